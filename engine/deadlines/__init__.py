"""Working days and deadlines: the working-day calendar, the administrator's
exceptions stored in the database, and dossiers going overdue."""
