"""Documents: stored files (content-addressed blobs) and the numbered registers that
give issued results their document numbers."""
