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


def public_url() -> str:
    """Where citizens reach the portal: QR codes on results point here."""
    return os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


def pki_dir() -> Path:
    """The signing PKI made by `motcua pki init` (officers' PKCS#12 files, CAs, TSA)."""
    return Path(os.environ.get("MOTCUA_PKI", instance_dir() / "pki"))


def tsa_url() -> str | None:
    """An RFC 3161 timestamp authority; unset, the local PKI's TSA signs in-process."""
    return os.environ.get("MOTCUA_TSA_URL") or None
