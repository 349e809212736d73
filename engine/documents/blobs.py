"""Content-addressed storage for documents and attachments: a file per sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .. import config


def blob_dir() -> Path:
    path = config.instance_dir() / "blobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("not a sha256 hex digest")
    return blob_dir() / digest[:2] / digest


def put(data: bytes) -> str:
    """Store bytes; return their sha256. Writing the same bytes twice is harmless."""
    digest = hashlib.sha256(data).hexdigest()
    path = _path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return digest


def get(digest: str) -> bytes:
    return _path(digest).read_bytes()


def exists(digest: str) -> bool:
    return _path(digest).exists()
