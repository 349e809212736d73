"""Procedures: bundles (BPMN, procedure.toml, forms, templates) validated and deployed
as immutable versions, with what a version defines: fees, form checks, result
numbering, and the registry of service-task handlers."""
