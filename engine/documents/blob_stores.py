"""Where blobs live: a folder on this machine, or a bucket of an S3-compatible object
store that every machine reaches. Both take a key (a sha256 hex digest, already
checked) and bytes; naming and checking the bytes is engine.documents.blobs' work."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from ..config import BlobStoreSettings


class BlobMissing(FileNotFoundError):
    """No blob under this digest."""


class BlobStoreUnavailable(OSError):
    """The object store refused or could not be reached; `strerror` says how."""


class BlobStore(Protocol):
    """What both stores do. Keys are sha256 hex digests; a key's bytes never change."""

    def put_if_absent(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...  # BlobMissing when absent
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int: ...  # BlobMissing when absent
    def check_writable(self) -> None: ...  # OSError naming what fails


class DirectoryStore:
    """One file a blob, under <root>/<first two hex digits>/<digest>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put_if_absent(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # a temporary file of this writer's own (threads of one process write at once),
        # on disk before it takes the blob's name: readers see the whole file or none
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{key}.", suffix=".tmp",
                                         delete=False) as tmp:
            try:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissing(errno.ENOENT, "no such blob", key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise BlobMissing(errno.ENOENT, "no such blob", key) from exc

    def check_writable(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".readyz-") as probe:
            probe.write(b"ready")
            probe.flush()


PROBE_KEY = "readyz-probe"  # outside the <2 hex>/<digest> keys of blobs


class S3Store:
    """One object a blob, keyed <first two hex digits>/<digest>, in one bucket of Amazon
    S3 or of any server speaking its API (MinIO, Ceph, a cloud's object storage)."""

    def __init__(self, settings: BlobStoreSettings) -> None:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        self.bucket = settings.s3_bucket
        self.where = f"bucket {self.bucket}" + (
            f" at {settings.s3_endpoint}" if settings.s3_endpoint else "")
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=settings.s3_endpoint, region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key,
            config=Config(
                s3={"addressing_style": "path"},  # a bucket name need not be a host name
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 3},
                # S3-compatible servers do not all take the newer default checksums;
                # blobs checks every blob's sha256 itself
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required"))

    @staticmethod
    def _key(key: str) -> str:
        return f"{key[:2]}/{key}"

    def _failed(self, exc: Exception, doing: str) -> BlobStoreUnavailable:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": ")
        else:
            reason = str(exc) or type(exc).__name__
        return BlobStoreUnavailable(errno.EIO, f"{doing} in {self.where}: {reason}")

    def _head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata, or None when there is no such object."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._failed(exc, "cannot look up a blob") from exc
        except BotoCoreError as exc:
            raise self._failed(exc, "cannot look up a blob") from exc
        return head

    def put_if_absent(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if self._head(key) is not None:
            return
        # two writers of the same key write the same bytes: the later one changes nothing
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                   ContentType="application/octet-stream")
        except (BotoCoreError, ClientError) as exc:
            raise self._failed(exc, "cannot store a blob") from exc

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            body: bytes = answer["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise BlobMissing(errno.ENOENT, "no such blob", key) from exc
            raise self._failed(exc, "cannot read a blob") from exc
        except BotoCoreError as exc:
            raise self._failed(exc, "cannot read a blob") from exc
        return body

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise BlobMissing(errno.ENOENT, "no such blob", key)
        return int(head["ContentLength"])

    def check_writable(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=PROBE_KEY, Body=b"ready")
        except (BotoCoreError, ClientError) as exc:
            raise self._failed(exc, "cannot write") from exc


def open_store(settings: BlobStoreSettings) -> BlobStore:
    """The store `settings` name."""
    if settings.kind == "s3":
        return S3Store(settings)
    assert settings.directory is not None
    return DirectoryStore(settings.directory)
