"""Content-addressed storage for documents and attachments: a blob per sha256.

The blob store is a folder by default (MOTCUA_BLOB_STORE=directory) or an S3-compatible
bucket (MOTCUA_BLOB_STORE=s3), see engine.documents.blob_stores; here bytes are named by
their sha256 and checked against it when read back, whichever store holds them."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from .. import config
from .blob_stores import BlobMissing, BlobStore, BlobStoreUnavailable, open_store

__all__ = ["BlobCorrupt", "BlobMissing", "BlobStoreUnavailable", "check_writable", "exists",
           "get", "put", "size", "store"]


class BlobCorrupt(Exception):
    """A stored blob whose bytes no longer hash to its name."""

    def __init__(self, digest: str, actual: str) -> None:
        super().__init__(f"blob {digest} is corrupt: its bytes hash to {actual}")
        self.digest, self.actual = digest, actual


def store() -> BlobStore:
    """The blob store the settings name (one client per process and settings)."""
    return _open(config.blob_store_settings(), os.getpid())


@lru_cache(maxsize=8)
def _open(settings: config.BlobStoreSettings, _pid: int) -> BlobStore:
    return open_store(settings)


def _checked(digest: str) -> str:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("not a sha256 hex digest")
    return digest


def put(data: bytes) -> str:
    """Store bytes; return their sha256. Writing the same bytes twice is harmless."""
    digest = hashlib.sha256(data).hexdigest()
    store().put_if_absent(digest, data)
    return digest


def get(digest: str) -> bytes:
    """The bytes named `digest`; BlobMissing when there are none, BlobCorrupt when the
    stored bytes are not those."""
    data = store().get(_checked(digest))
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise BlobCorrupt(digest, actual)
    return data


def exists(digest: str) -> bool:
    return store().exists(_checked(digest))


def size(digest: str) -> int:
    """The length in bytes of the blob named `digest` (BlobMissing when absent)."""
    return store().size(_checked(digest))


def check_writable() -> None:
    """Raise OSError naming what fails unless the blob store takes a write (/readyz)."""
    store().check_writable()
