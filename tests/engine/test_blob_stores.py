"""The blob store, a folder or an S3-compatible bucket (a real local server): blobs are
named by their sha256, stored once, read back checked, and the settings choose the
store. Each test runs on both stores (the `blob_store` fixture)."""

from __future__ import annotations

import hashlib
import threading

import pytest

from engine import config
from engine.db import transaction
from engine.documents import blobs
from engine.documents.blob_stores import DirectoryStore, S3Store

from ..s3_server import Bucket, blob_store, s3_bucket, s3_endpoint, use_bucket

__all__ = ["blob_store", "s3_bucket", "s3_endpoint"]  # the fixtures, used by name

LETTER = "Giấy xác nhận tình trạng hôn nhân — bản chính".encode()


def tamper(blob_store: str, instance, digest: str, data: bytes) -> None:
    """Change a stored blob's bytes behind the store's back."""
    if blob_store == "directory":
        (instance / "blobs" / digest[:2] / digest).write_bytes(data)
    else:
        settings = config.blob_store_settings()
        S3Store(settings).client.put_object(Bucket=settings.s3_bucket,
                                            Key=f"{digest[:2]}/{digest}", Body=data)


def test_a_blob_is_named_by_its_sha256_and_read_back(blob_store):
    digest = blobs.put(LETTER)
    assert digest == hashlib.sha256(LETTER).hexdigest()
    assert blobs.exists(digest) and blobs.get(digest) == LETTER
    assert blobs.size(digest) == len(LETTER)
    assert blobs.put(LETTER) == digest  # the same bytes again: the same blob, no error
    empty = blobs.put(b"")
    assert blobs.get(empty) == b"" and blobs.size(empty) == 0


def test_a_missing_blob_is_said_missing(blob_store):
    absent = hashlib.sha256(b"never stored").hexdigest()
    assert not blobs.exists(absent)
    with pytest.raises(blobs.BlobMissing):
        blobs.get(absent)
    with pytest.raises(blobs.BlobMissing):
        blobs.size(absent)
    with pytest.raises(FileNotFoundError):  # what callers of the folder store caught
        blobs.get(absent)


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABCDEF" * 10 + "ABCD", "abc", ""])
def test_a_name_that_is_no_sha256_is_refused_before_the_store_is_asked(blob_store, name):
    for read in (blobs.get, blobs.exists, blobs.size):
        with pytest.raises(ValueError, match="not a sha256"):
            read(name)


def test_bytes_changed_in_the_store_are_refused_when_read(blob_store, instance):
    digest = blobs.put(LETTER)
    tamper(blob_store, instance, digest, LETTER.replace("chính".encode(), b"sao"))
    with pytest.raises(blobs.BlobCorrupt) as refused:
        blobs.get(digest)
    assert refused.value.digest == digest and refused.value.actual != digest


def test_a_stored_blob_is_not_written_again(blob_store, instance):
    """put if absent: a blob already there is left as it is (here, as tampered), so a
    second put never rewrites what a first one stored."""
    digest = blobs.put(LETTER)
    tamper(blob_store, instance, digest, b"changed behind the store's back")
    assert blobs.put(LETTER) == digest
    with pytest.raises(blobs.BlobCorrupt):
        blobs.get(digest)


def test_writers_of_the_same_bytes_at_once_leave_one_good_blob(blob_store):
    data = b"%PDF-1.7 " + bytes(range(256)) * 512
    barrier = threading.Barrier(8)
    names: list[str] = []

    def write() -> None:
        barrier.wait(timeout=30)
        names.append(blobs.put(data))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(set(names)) == 1 and len(names) == 8
    assert blobs.get(names[0]) == data


def test_the_store_is_writable_or_says_why(blob_store):
    blobs.check_writable()  # raises when it is not


def test_the_settings_choose_the_store(monkeypatch, instance, s3_endpoint):
    assert isinstance(blobs.store(), DirectoryStore)
    assert blobs.store().root == instance / "blobs"
    use_bucket(monkeypatch, s3_endpoint, "motcua-somewhere")
    store = blobs.store()
    assert isinstance(store, S3Store) and store.bucket == "motcua-somewhere"
    assert blobs.store() is store  # one client per process and settings


@pytest.mark.parametrize(("settings", "message"), [
    ({"MOTCUA_BLOB_STORE": "ftp"}, "MOTCUA_BLOB_STORE must be directory or s3"),
    ({"MOTCUA_BLOB_STORE": "s3"}, "needs MOTCUA_S3_BUCKET"),
    ({"MOTCUA_BLOB_STORE": "s3", "MOTCUA_S3_BUCKET": "b", "MOTCUA_S3_ENDPOINT": "minio:9000"},
     "MOTCUA_S3_ENDPOINT must be an http\\(s\\) URL"),
    ({"MOTCUA_BLOB_STORE": "s3", "MOTCUA_S3_BUCKET": "b", "MOTCUA_S3_ACCESS_KEY": "k"},
     "MOTCUA_S3_ACCESS_KEY and MOTCUA_S3_SECRET_KEY go together"),
])
def test_wrong_blob_store_settings_are_named(monkeypatch, settings, message):
    for name in ("MOTCUA_S3_BUCKET", "MOTCUA_S3_ENDPOINT", "MOTCUA_S3_ACCESS_KEY",
                 "MOTCUA_S3_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        config.blob_store_settings()


def test_the_secret_key_is_not_shown_with_the_settings(s3_bucket: Bucket):
    assert "motcua-test-secret" not in repr(config.blob_store_settings())


def test_a_bucket_that_is_not_there_is_named(s3_endpoint, monkeypatch):
    use_bucket(monkeypatch, s3_endpoint, "motcua-no-such-bucket")
    with pytest.raises(blobs.BlobStoreUnavailable) as failed:
        blobs.put(LETTER)
    assert "NoSuchBucket" in str(failed.value) and "motcua-no-such-bucket" in str(failed.value)
    with pytest.raises(OSError, match="NoSuchBucket"):
        blobs.check_writable()


def test_blobs_are_objects_keyed_by_their_digest_in_the_bucket(s3_bucket: Bucket, instance):
    digest = blobs.put(LETTER)
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=s3_bucket.object_key(digest))
    assert stored["Body"].read() == LETTER
    assert not (instance / "blobs").exists()  # nothing went to the local folder


def test_a_draft_attachment_is_kept_in_the_store(blob_store, sessions):
    """The engine's own writer of attachments goes through the store set."""
    from engine.dossiers import drafts

    with transaction(sessions) as s:
        draft = drafts.save_draft(s, "congdan", "marital_status", {})
        attachment = drafts.add_attachment(
            s, uploaded_by="congdan", document_code="to_khai", filename="to-khai.pdf",
            media_type="application/pdf", data=b"%PDF-1.7 to khai", draft_id=draft.id)
        digest = attachment.sha256
    with transaction(sessions) as s:
        [kept] = drafts.attachments_of(s, draft_id=draft.id)
        assert kept.sha256 == digest and blobs.size(digest) == kept.size
    assert blobs.get(digest) == b"%PDF-1.7 to khai"
