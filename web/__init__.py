"""motcua web layer: the Flask app, the command line and the demo."""
