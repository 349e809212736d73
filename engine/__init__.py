"""motcua engine: procedures, dossiers, the runner on SpiffWorkflow, events, outbox."""
