"""The outbox: jobs claimed under a lease, completed, failed with back-off or raised
as incidents; the worker that runs them outside any transaction, due timers, and
the long-running worker loop with its hourly and daily duties."""
