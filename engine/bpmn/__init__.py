"""SpiffWorkflow integration: safe parsing, queued service tasks, clock-driven
timers, the restricted script engine and the serializer."""
