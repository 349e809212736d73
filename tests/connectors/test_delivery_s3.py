"""Results rendered, signed and e-mailed with the blob store in an S3-compatible bucket
(a real local server, tests/s3_server.py): the existing delivery tests run again here."""

from __future__ import annotations

import pytest

from ..s3_server import s3_bucket, s3_endpoint
from .test_delivery import (
    deployed,
    smtp,
    test_every_status_that_matters_notifies_and_the_result_is_emailed,
    test_signed_pdf_is_attached_with_its_bytes_and_media_type,
)

__all__ = [  # fixtures, and the delivery tests collected again on S3
    "deployed", "s3_bucket", "s3_endpoint", "smtp",
    "test_every_status_that_matters_notifies_and_the_result_is_emailed",
    "test_signed_pdf_is_attached_with_its_bytes_and_media_type",
]


@pytest.fixture(autouse=True)
def blobs_in_a_bucket(s3_bucket, instance):
    yield s3_bucket
    keys = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name).get("Contents", [])
    assert keys, "the documents went to the bucket"
    assert not (instance / "blobs").exists()
