"""Submitting an application, the same way from the citizens' form and the JSON API:
what stops it (the start form's schema, field by field in plain words; every required
document attached), documents taken from the applicant's store, and submitting a draft
exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.documents import blobs, store
from engine.dossiers import drafts
from engine.errors import InvalidInput, NotFound
from engine.models import Attachment, Dossier, Draft, StoredDocument, utcnow
from engine.procedures import procedures
from engine.procedures.bundle import Procedure

from .citizen.procedure_info import Document, documents
from .form_errors import field_messages
from .signed_uploads import signed_documents, unsigned_required
from .verification import NotAPdf, check_pdf


@dataclass
class SubmissionProblems:
    fields: dict[str, list[str]] = field(default_factory=dict)  # form field path → reasons
    documents: dict[str, list[str]] = field(default_factory=dict)  # document code → reasons

    def __bool__(self) -> bool:
        return bool(self.fields or self.documents)

    def by_path(self) -> dict[str, list[str]]:
        """Form fields by their path, documents as `documents.<code>`."""
        return {**self.fields,
                **{f"documents.{code}": reasons for code, reasons in self.documents.items()}}


class Incomplete(InvalidInput):
    """The application cannot be submitted yet; `problems` says why."""

    def __init__(self, problems: SubmissionProblems, **context: object) -> None:
        super().__init__(gettext("Hồ sơ chưa đầy đủ. Vui lòng bổ sung các mục được đánh dấu."),
                         problems.by_path(), **context)
        self.problems = problems


def missing_documents(required: list[Document], attachments: list[Attachment]) -> list[Document]:
    present = {a.document_code for a in attachments}
    return [d for d in required if d.required and d.code not in present]


def submission_problems(procedure: Procedure, data: dict[str, Any],
                        attachments: list[Attachment], lang: str) -> SubmissionProblems:
    """Everything that stops submission: form errors by field, missing required documents."""
    found = SubmissionProblems(
        fields=field_messages(procedure.form_validator(procedure.settings["start_form"]), data,
                              lang))
    for doc in missing_documents(documents(procedure.settings, lang), attachments):
        found.documents[doc.code] = [gettext("Chưa đính kèm giấy tờ bắt buộc này.")]
    for code in unsigned_required(signed_documents(procedure.settings), attachments):
        found.documents.setdefault(code, []).append(
            gettext("Giấy tờ này phải là tệp PDF có chữ ký số hợp lệ."))
    return found


def draft_problems(session: Session, draft: Draft, lang: str) -> SubmissionProblems:
    """What stops the draft, checked against its procedure's newest version."""
    version = procedures.latest_version(session, draft.procedure_code)
    return submission_problems(procedures.load_version(session, version.id), draft.data,
                               drafts.attachments_of(session, draft_id=draft.id), lang)


def submit_draft(session: Session, draft_id: int, owner: str, lang: str) -> tuple[Dossier, bool]:
    """(the dossier, whether this call created it). Of two submissions of the same draft,
    the second waits on the draft's lock and then finds the first one's dossier. Raises
    Incomplete, storing nothing, while something stops submission."""
    session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update()
                   .execution_options(populate_existing=True))
    draft = drafts.get_draft(session, draft_id, owner)
    if draft.dossier_id is not None:
        dossier = session.get(Dossier, draft.dossier_id)
        assert dossier is not None
        return dossier, False
    problems = draft_problems(session, draft, lang)
    if problems:
        raise Incomplete(problems)
    return drafts.submit_draft(session, draft.id, owner, applicant_user=owner), True


def my_draft(session: Session, draft_id: int, owner: str, *, lock: bool = False) -> Draft:
    """The caller's draft; someone else's is not found, like an id that does not exist."""
    try:
        return drafts.get_draft(session, draft_id, owner, lock=lock)
    except NotFound:
        raise NotFound(gettext("Không tìm thấy bản nháp."), draft=draft_id) from None


def store_offers(session: Session, owner: str, settings: dict[str, Any]
                 ) -> dict[str, list[StoredDocument]]:
    """The owner's stored items that fit each document of the procedure (by kind)."""
    offers: dict[str, list[StoredDocument]] = {}
    for code, kind in store.document_kinds(settings).items():
        found = store.items(session, owner, kind)
        if found:
            offers[code] = found
    return offers


def _issued_signers(item: StoredDocument, data: bytes) -> list[str] | None:
    """The signers of an issued result when its signatures are valid and one of them is
    the signature recorded when it was issued; None otherwise."""
    recorded = (item.signature or {}).get("signer_fingerprint")
    try:
        checked = check_pdf(data, (item.signature or {}).get("agency") or None)
    except NotAPdf:
        return None
    report = checked.report
    if report is None or not report.valid or not recorded or recorded not in {
            s.certificate_fingerprint for s in report.signatures}:
        return None
    return [s.signer_name or s.certificate_subject for s in report.signatures
            if s.kind == "signature"]


def attach_from_store(session: Session, draft: Draft, document_code: str, item_id: int,
                      owner: str, field: str) -> Attachment:
    """Attach one of the owner's stored items to the draft for a document of its kind, by
    reference. An issued result is attached only when its bytes still hash to the record
    and its signatures are valid and include the one recorded at issue; InvalidInput under
    `field` says why not, and nothing is attached. Another person's item is not found."""
    try:
        item = store.item(session, owner, item_id)
    except NotFound:
        raise NotFound(gettext("Không tìm thấy giấy tờ trong kho dữ liệu."), item=item_id) from None
    version = procedures.latest_version(session, draft.procedure_code)
    kind = store.document_kinds(version.settings).get(document_code)
    if kind is None or kind != item.kind:
        raise InvalidInput("wrong kind", {field: [
            gettext("Giấy tờ “%(name)s” trong kho không phải loại giấy tờ này.", name=item.name)]})
    try:
        data = blobs.get(item.sha256)
    except (blobs.BlobMissing, blobs.BlobCorrupt):
        raise InvalidInput("stored file unreadable", {field: [
            gettext("Tệp “%(name)s” trong kho không còn đọc được; vui lòng tải tệp lên.",
                    name=item.name)]}) from None
    if item.origin != store.ISSUED:
        return store.reuse(session, item, draft_id=draft.id, document_code=document_code)
    signers = _issued_signers(item, data)
    if signers is None:
        raise InvalidInput("issued result not verified", {field: [
            gettext("Không xác minh được chữ ký số của kết quả “%(name)s” với bản đã cấp; "
                    "vui lòng tải tệp lên.", name=item.name)]})
    return store.reuse(session, item, draft_id=draft.id, document_code=document_code,
                       checked_at=utcnow(), signers=signers)
