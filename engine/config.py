"""Settings read from the environment, with defaults that need nothing installed."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    path = Path(os.environ.get("MOTCUA_INSTANCE", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    url = os.environ.get("MOTCUA_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{instance_dir() / 'motcua.db'}"


def processes_dir() -> Path:
    return Path(os.environ.get("MOTCUA_PROCESSES", PROJECT_ROOT / "processes"))
