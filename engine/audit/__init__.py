"""The audit trail: each dossier's hash-chained event log, the account log, and the
daily seals that a timestamp authority signs over both."""
