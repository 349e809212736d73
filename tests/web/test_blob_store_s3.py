"""The web app on an S3-compatible blob store (a real local server, tests/s3_server.py):
/readyz checks the bucket takes an object, and the existing upload tests run again
here, their files going to the bucket instead of the instance folder."""

from __future__ import annotations

import pytest

from ..s3_server import Bucket, s3_bucket, s3_endpoint, use_bucket
from .test_uploads_by_content import (
    api,
    deployed,
    test_the_api_takes_the_same_files_the_same_way,
    test_the_citizens_form_takes_a_jpeg_named_pdf_and_a_heic_photo,
    tokens,
)

__all__ = [  # fixtures, and the upload tests collected again on S3
    "api", "deployed", "s3_bucket", "s3_endpoint", "tokens",
    "test_the_api_takes_the_same_files_the_same_way",
    "test_the_citizens_form_takes_a_jpeg_named_pdf_and_a_heic_photo",
]


@pytest.fixture(autouse=True)
def blobs_in_a_bucket(s3_bucket: Bucket, instance):
    yield s3_bucket
    assert not (instance / "blobs").exists()  # nothing of this test went to the folder


def test_readyz_is_ready_when_the_bucket_takes_an_object(app, blobs_in_a_bucket):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "schema": "ok", "blobs": "ok"}


def test_readyz_names_a_bucket_that_is_not_there(app, s3_endpoint, monkeypatch):
    use_bucket(monkeypatch, s3_endpoint, "motcua-bucket-not-made")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["blobs"]
    verdict = response.json["checks"]["blobs"]
    assert verdict.startswith("not writable") and "NoSuchBucket" in verdict
    assert "motcua-bucket-not-made" in verdict


def test_readyz_names_an_object_store_that_does_not_answer(app, monkeypatch):
    import socket

    with socket.socket() as closed:  # a loopback port no server listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    use_bucket(monkeypatch, f"http://127.0.0.1:{port}", "motcua-anywhere")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["failing"] == ["blobs"]
    assert f"127.0.0.1:{port}" in response.json["checks"]["blobs"]


def test_readyz_names_wrong_blob_store_settings(app, monkeypatch):
    monkeypatch.setenv("MOTCUA_BLOB_STORE", "s3")
    monkeypatch.delenv("MOTCUA_S3_BUCKET")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "MOTCUA_S3_BUCKET" in response.json["checks"]["blobs"]
