"""A real S3-compatible server for the tests: moto's standalone server on a free loopback
port, spoken to over HTTP by boto3 exactly as a MinIO or Amazon S3 would be. Import
the fixtures into a test module to use them (`from ..s3_server import ...`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ACCESS_KEY, SECRET_KEY, REGION = "motcua-test", "motcua-test-secret", "ap-southeast-1"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    """A bucket of the test's own and a client to look into it behind the store's back."""

    name: str
    endpoint: str
    client: Any

    def object_key(self, digest: str) -> str:
        return f"{digest[:2]}/{digest}"


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY)


def use_bucket(monkeypatch: pytest.MonkeyPatch, endpoint: str, bucket: str) -> None:
    """The settings of an installation whose blobs are in `bucket`."""
    monkeypatch.setenv("MOTCUA_BLOB_STORE", "s3")
    monkeypatch.setenv("MOTCUA_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("MOTCUA_S3_BUCKET", bucket)
    monkeypatch.setenv("MOTCUA_S3_REGION", REGION)
    monkeypatch.setenv("MOTCUA_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("MOTCUA_S3_SECRET_KEY", SECRET_KEY)


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A new bucket on the local server, and the settings that make it the blob store."""
    client = s3_client(s3_endpoint)
    name = f"motcua-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
    use_bucket(monkeypatch, s3_endpoint, name)
    return Bucket(name, s3_endpoint, client)


@pytest.fixture(params=["directory", "s3"])
def blob_store(request: pytest.FixtureRequest, instance: Any) -> str:
    """Run a test once on each blob store: the instance folder, then a bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    return str(request.param)
