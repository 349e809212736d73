"""Service-task handlers. `register_all()` puts every handler in the engine's registry."""

from __future__ import annotations


def register_all() -> None:
    from . import delivery, fees, notify, portal_sync, render, sign  # noqa: F401  (registration on import)
