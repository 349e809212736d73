"""Dossiers: the runner that applies each input in one transaction, the workflow in
memory (machine) and its replay, drafts, dossier codes, what officers do around tasks,
apology slips, shipments, the inbox query, and the side jobs a change queues (status
notices, portal updates, notices, SLA reminders)."""
