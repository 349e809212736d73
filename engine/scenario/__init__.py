"""Scenarios: a dossier's whole path written as data, driven through the real runner
and worker (the examples, the demo seed, the benchmarks and the process tests)."""
