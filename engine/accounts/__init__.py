"""People: user accounts with their roles per department, and officers' consent to sign."""
