"""The document store (engine.documents.store): what a submission and an issued result
keep, who reaches an item, what may be removed, and reuse by reference."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.documents import store
from engine.dossiers import drafts
from engine.errors import BundleInvalid, Conflict, NotFound
from engine.models import Attachment, Dossier, Job, StoredDocument
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle, validate
from engine.scenario.scenario import SCENARIOS, Scenario

from ..conftest import PROCESSES
from ..helpers import bpmn_bundle

APPLICATION = Scenario.load(SCENARIOS / "marital_status.json").application
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")


def _submitted(s, owner: str, files: list[tuple[str, str, str, bytes]],
               channel: str = "online") -> Dossier:
    draft = drafts.save_draft(s, owner, "marital_status", APPLICATION, channel)
    for code, name, media, data in files:
        drafts.add_attachment(s, uploaded_by=owner, document_code=code, filename=name,
                              media_type=media, data=data, draft_id=draft.id)
    return drafts.submit_draft(s, draft.id, owner)


def test_submitted_uploads_are_kept_once_with_their_document_kind(sessions, deployed):
    with transaction(sessions) as s:
        first = _submitted(s, "congdan", [
            ("to_khai", "to-khai.pdf", "application/pdf", PDF),
            ("giay_to_nhan_than", "cccd.jpg", "image/jpeg", PNG),
            ("giay_to_nhan_than", "cccd.heic", "image/heic", PNG + b"heic")])  # the original
        again = _submitted(s, "congdan", [("giay_to_nhan_than", "cccd.jpg", "image/jpeg", PNG)])
        walk_in = _submitted(s, "tiepnhan", [("to_khai", "t.pdf", "application/pdf", PDF + b" ")],
                             channel="counter")
        kept = store.items(s, "congdan")
        assert sorted((i.name, i.origin, i.kind, i.dossier_id) for i in kept) == [
            ("cccd.jpg", "uploaded", "giay_to_nhan_than", first.id),
            ("to-khai.pdf", "uploaded", None, first.id)]
        assert again.id != first.id and walk_in.applicant_user is None
        assert store.items(s, "tiepnhan") == []
        assert [i.name for i in store.items(s, "congdan", "giay_to_nhan_than")] == ["cccd.jpg"]


def test_keep_issued_records_the_signed_result_its_number_and_signature(sessions, deployed):
    with transaction(sessions) as s:
        dossier = _submitted(s, "congdan", [])
        for n, result in enumerate([
                {"document": "a" * 64, "media_type": "application/pdf", "bytes": 10},  # rendered
                {"signed": True, "document": "b" * 64, "bytes": 20, "signer_fingerprint": "f1",
                 "signer_name": "Lê Quang Hải", "signed_at": "2026-12-07T09:00:00+00:00"}]):
            s.add(Job(dossier_id=dossier.id, workflow_task_id=f"t{n}", element_id=f"e{n}",
                      operator="result.sign" if n else "result.render", payload={},
                      idempotency_key=f"k{n}-{dossier.id}", status="done", result=result))
        s.flush()
        settings = dossier.procedure_version.settings
        kept = store.keep_issued(s, dossier, settings, ["a" * 64, "b" * 64])
        assert store.keep_issued(s, dossier, settings, ["b" * 64]) == kept  # once
        (item,) = kept
        assert (item.origin, item.kind, item.sha256, item.size, item.owner) == (
            "issued", "giay_xac_nhan_tinh_trang_hon_nhan", "b" * 64, 20, "congdan")
        assert item.name == f"{dossier.code}-ket-qua-2.pdf" and item.number is None
        assert item.signature == {"signer_fingerprint": "f1", "signer_name": "Lê Quang Hải",
                                  "signed_at": "2026-12-07T09:00:00+00:00",
                                  "agency": "Ủy ban nhân dân phường Hoàn Kiếm"}
        dossier.applicant_user = None  # a walk-in applicant has no store
        assert store.keep_issued(s, dossier, settings, ["b" * 64]) == []


def test_only_the_owner_reaches_an_item_and_an_issued_result_stays(sessions, deployed):
    with transaction(sessions) as s:
        dossier = _submitted(s, "congdan", [("giay_to_nhan_than", "cccd.png", "image/png", PNG)])
        (upload,) = store.items(s, "congdan")
        issued = StoredDocument(owner="congdan", origin="issued", name="kq.pdf",
                                media_type="application/pdf", size=1, sha256="c" * 64)
        s.add(issued)
        s.flush()
        for owner, item_id in (("congdan2", upload.id), ("congdan", 10**12), ("congdan", 0)):
            with pytest.raises(NotFound):
                store.item(s, owner, item_id)
        with pytest.raises(NotFound):
            store.remove(s, "congdan2", upload.id)
        with pytest.raises(Conflict):
            store.remove(s, "congdan", issued.id)
        store.remove(s, "congdan", upload.id)
        assert [i.id for i in store.items(s, "congdan")] == [issued.id]
        assert [a.filename for a in drafts.attachments_of(s, dossier_id=dossier.id)] == ["cccd.png"]


def test_reuse_attaches_the_same_blob_and_says_where_it_came_from(sessions, deployed):
    with transaction(sessions) as s:
        dossier = _submitted(s, "congdan", [("giay_to_nhan_than", "cccd.png", "image/png", PNG)])
        (upload,) = store.items(s, "congdan")
        draft = drafts.save_draft(s, "congdan", "marital_status", APPLICATION)
        attached = store.reuse(s, upload, draft_id=draft.id, document_code="giay_to_nhan_than")
        assert store.reuse(s, upload, draft_id=draft.id, document_code="giay_to_nhan_than") == attached
        assert (attached.sha256, attached.filename, attached.size) == (upload.sha256, "cccd.png", len(PNG))
        assert attached.reused == {"item": upload.id, "origin": "uploaded", "dossier": dossier.code,
                                   "number": None, "added_at": upload.added_at.isoformat()}
        issued = StoredDocument(owner="congdan", origin="issued", name="kq.pdf",
                                media_type="application/pdf", size=1, sha256="d" * 64)
        s.add(issued)
        s.flush()
        with pytest.raises(ValueError, match="signature"):
            store.reuse(s, issued, draft_id=draft.id, document_code="giay_xac_nhan_da_cap")
        resubmitted = drafts.submit_draft(s, draft.id, "congdan")
        # a file from the store is not kept a second time
        assert s.scalar(select(Attachment.reused).where(
            Attachment.dossier_id == resubmitted.id)) is not None
        assert len(store.items(s, "congdan")) == 2


@pytest.mark.parametrize("line", ['result_kind = "Giấy khai sinh"', "result_kind = 7"])
def test_a_document_kind_must_be_a_key(tmp_path, line):
    with pytest.raises(BundleInvalid) as refused:
        validate(load_bundle(bpmn_bundle(tmp_path, "signal", line)), None)
    assert [p.reason for p in refused.value.problems if "kind" in p.reason] == [
        "result_kind must be a document kind key such as 'giay_khai_sinh' (a-z, 0-9 and _)"]


def test_the_real_procedures_declare_kinds_that_meet(sessions, deployed):
    """A marital-status certificate issued before is what a new application returns."""
    with transaction(sessions) as s:
        issued = procedures.load_version(s, procedures.latest_version(s, "marital_status").id)
        assert store.document_kinds(issued.settings)["giay_xac_nhan_da_cap"] == \
            issued.settings["result_kind"]
