"""Fee payments: pending payments for a waiting fee job, settled from a verified gateway
notice or at the cash desk, refunds, and the daily reconciliation."""
