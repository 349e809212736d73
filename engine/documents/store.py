"""A citizen's document store (kho dữ liệu): the signed results agencies issued to them
and the files they uploaded with earlier applications, kept so that a new application
attaches them again by reference (the same blob) instead of a new upload.

A document kind key (`kind = "giay_khai_sinh"` on a procedure's [[documents]] entry,
`result_kind` for what the procedure issues) says which stored item fits which document."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..models import Attachment, Dossier, Job, StoredDocument, utcnow
from ..models.base import ID_MAX
from .registers import numbers_of

ISSUED, UPLOADED = "issued", "uploaded"
# a phone photo's original beside its JPEG: the JPEG is the file the store offers
_ORIGINALS = ("image/heic", "image/heif")


def document_kinds(settings: dict[str, Any]) -> dict[str, str]:
    """The kind key of each of a procedure's documents that declares one, by code."""
    return {str(d["code"]): str(d["kind"]) for d in settings.get("documents", [])
            if isinstance(d, dict) and d.get("kind")}


def _add(session: Session, **values: Any) -> StoredDocument:
    key = (values["owner"], values["origin"], values["sha256"])
    found = _find(session, *key)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            item = StoredDocument(added_at=utcnow(), **values)
            session.add(item)
            session.flush()
        return item
    except IntegrityError:  # kept at the same moment by another transaction
        found = _find(session, *key)
        if found is None:
            raise
        return found


def _find(session: Session, owner: str, origin: str, sha256: str) -> StoredDocument | None:
    return session.scalar(select(StoredDocument).where(
        StoredDocument.owner == owner, StoredDocument.origin == origin,
        StoredDocument.sha256 == sha256))


def keep_issued(session: Session, dossier: Dossier, settings: dict[str, Any],
                delivered: Iterable[str]) -> list[StoredDocument]:
    """Keep the signed results published to the dossier's applicant in their store, each
    with its number and the signature recorded when it was signed. A walk-in applicant
    without an account has no store; an unsigned result is not kept (nothing to verify)."""
    if dossier.applicant_user is None:
        return []
    signed = {str(job.result["document"]): job.result for job in session.scalars(
        select(Job).where(Job.dossier_id == dossier.id, Job.operator == "result.sign",
                          Job.status == "done").order_by(Job.id))
        if job.result and job.result.get("signed") and job.result.get("document")}
    register = (settings.get("numbering") or {}).get("register")
    numbers = [e.text for e in numbers_of(session, dossier.id) if e.register == register]
    agency = str(settings.get("agency_name_vi") or settings.get("agency") or "")
    kept = []
    for index, sha256 in enumerate(delivered):
        result = signed.get(sha256)
        if result is None:
            continue
        kept.append(_add(
            session, owner=dossier.applicant_user, origin=ISSUED, sha256=sha256,
            kind=settings.get("result_kind"), media_type=str(result.get("media_type")
                                                             or "application/pdf"),
            name=f"{dossier.code}-ket-qua{'' if index == 0 else f'-{index + 1}'}.pdf",
            size=int(result.get("bytes") or 0), dossier_id=dossier.id,
            number=numbers[0] if numbers else None,
            signature={"signer_fingerprint": result.get("signer_fingerprint"),
                       "signer_name": result.get("signer_name"),
                       "signed_at": result.get("signed_at"), "agency": agency}))
    return kept


def keep_uploads(session: Session, dossier: Dossier, settings: dict[str, Any]
                 ) -> list[StoredDocument]:
    """Keep the files the applicant uploaded with the dossier in their store (a file
    taken from the store is there already)."""
    if dossier.applicant_user is None:
        return []
    kinds = document_kinds(settings)
    attachments = session.scalars(select(Attachment).where(
        Attachment.dossier_id == dossier.id, Attachment.purpose == "application",
        Attachment.uploaded_by == dossier.applicant_user).order_by(Attachment.id))
    return [_add(session, owner=dossier.applicant_user, origin=UPLOADED, sha256=a.sha256,
                 kind=kinds.get(a.document_code), name=a.filename, media_type=a.media_type,
                 size=a.size, dossier_id=dossier.id, number=None, signature=None)
            for a in attachments if a.reused is None and a.media_type not in _ORIGINALS]


def items(session: Session, owner: str, kind: str | None = None) -> list[StoredDocument]:
    """The owner's stored items, newest first; only those of `kind` when given."""
    query = select(StoredDocument).where(StoredDocument.owner == owner)
    if kind is not None:
        query = query.where(StoredDocument.kind == kind)
    return list(session.scalars(query.order_by(StoredDocument.added_at.desc(),
                                               StoredDocument.id.desc())))


def item(session: Session, owner: str, item_id: int) -> StoredDocument:
    """The owner's item; another person's is not found, like one that does not exist."""
    found = session.get(StoredDocument, item_id) if 0 < item_id <= ID_MAX else None
    if found is None or found.owner != owner:
        raise NotFound("stored document not found", item=item_id)
    return found


def remove(session: Session, owner: str, item_id: int) -> None:
    """Take an uploaded file out of the owner's store (the dossiers that hold it keep it).
    An issued result's record is never removed."""
    found = item(session, owner, item_id)
    if found.origin == ISSUED:
        raise Conflict("an issued result stays in the store", item=item_id)
    session.delete(found)
    session.flush()


def dossier_codes(session: Session, found: Iterable[StoredDocument]) -> dict[int, str]:
    """The code of each item's dossier, by dossier id."""
    ids = {i.dossier_id for i in found if i.dossier_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Dossier.id, Dossier.code).where(Dossier.id.in_(ids)))
    return {dossier_id: code for dossier_id, code in rows}


def reuse(session: Session, found: StoredDocument, *, draft_id: int, document_code: str,
          checked_at: datetime | None = None, signers: list[str] | None = None) -> Attachment:
    """Attach the item to the draft by reference (its blob, not a copy), recording where
    it came from; an issued result only once its signature and hash were checked
    (`checked_at`, `signers`). Attaching the same item to the same document twice gives
    the first attachment back."""
    for existing in session.scalars(select(Attachment).where(
            Attachment.draft_id == draft_id, Attachment.document_code == document_code,
            Attachment.sha256 == found.sha256)):
        if existing.reused is not None:
            return existing
    if found.origin == ISSUED and checked_at is None:
        raise ValueError("an issued result is attached only once its signature was checked")
    code = dossier_codes(session, [found]).get(found.dossier_id or 0)
    provenance: dict[str, Any] = {"item": found.id, "origin": found.origin, "dossier": code,
                                  "number": found.number, "added_at": found.added_at.isoformat()}
    if checked_at is not None:
        provenance |= {"verified_at": checked_at.isoformat(), "signers": signers or []}
    attachment = Attachment(
        draft_id=draft_id, document_code=document_code, purpose="application",
        filename=found.name, media_type=found.media_type, size=found.size,
        sha256=found.sha256, uploaded_by=found.owner, uploaded_at=utcnow(), reused=provenance)
    session.add(attachment)
    session.flush()
    return attachment
