"""Drafts and attachments: an application prepared over several visits, then
submitted exactly once (a second submission of the same draft returns the
dossier the first one created)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import blobs, store
from ..errors import Conflict, NotFound
from ..models import Attachment, Dossier, Draft, utcnow
from . import runner


def get_draft(session: Session, draft_id: int, owner: str, *, lock: bool = False) -> Draft:
    query = select(Draft).where(Draft.id == draft_id)
    if lock:
        query = query.with_for_update()
    draft = session.scalar(query)
    # someone else's draft is "not found" too: an id must not confirm that a draft exists
    if draft is None or draft.owner != owner:
        raise NotFound("draft not found", draft=draft_id)
    return draft


def save_draft(session: Session, owner: str, procedure_code: str, data: dict[str, Any],
               channel: str = "online", draft_id: int | None = None) -> Draft:
    if draft_id is None:
        draft = Draft(owner=owner, procedure_code=procedure_code, channel=channel, data=data)
        session.add(draft)
    else:
        draft = get_draft(session, draft_id, owner)
        if draft.dossier_id is not None:
            raise Conflict("this application was already submitted", draft=draft_id)
        draft.data, draft.channel, draft.updated_at = data, channel, utcnow()
    session.flush()
    return draft


def add_attachment(session: Session, *, uploaded_by: str, document_code: str, filename: str,
                   media_type: str, data: bytes, draft_id: int | None = None,
                   dossier_id: int | None = None, purpose: str = "application",
                   signature_check: dict[str, Any] | None = None) -> Attachment:
    """Store the bytes by sha256 and record who attached what to which draft or dossier,
    with the verdict on its signatures when it is a PDF that was checked."""
    attachment = Attachment(
        draft_id=draft_id, dossier_id=dossier_id, document_code=document_code, purpose=purpose,
        filename=filename[:255], media_type=media_type, size=len(data), sha256=blobs.put(data),
        uploaded_by=uploaded_by, uploaded_at=utcnow(), signature_check=signature_check)
    session.add(attachment)
    session.flush()
    return attachment


def attachments_of(session: Session, *, draft_id: int | None = None,
                   dossier_id: int | None = None) -> list[Attachment]:
    query = select(Attachment).order_by(Attachment.id)
    query = query.where(Attachment.draft_id == draft_id) if draft_id is not None else \
        query.where(Attachment.dossier_id == dossier_id)
    return list(session.scalars(query))


def submit_draft(session: Session, draft_id: int, owner: str, *, actor: str | None = None,
                 applicant_user: str | None = None, at: datetime | None = None) -> Dossier:
    """Submit the draft as a dossier, once: the draft row is locked, and a draft
    already submitted gives back its dossier."""
    draft = get_draft(session, draft_id, owner, lock=True)
    if draft.dossier_id is not None:
        dossier = session.get(Dossier, draft.dossier_id)
        assert dossier is not None
        return dossier
    # A walk-in dossier (counter) belongs to no account unless one is named.
    if applicant_user is None and draft.channel != "counter":
        applicant_user = owner
    dossier = runner.submit(session, draft.procedure_code, draft.data, actor=actor or owner,
                            channel=draft.channel, applicant_user=applicant_user, at=at)
    draft.dossier_id = dossier.id
    for attachment in attachments_of(session, draft_id=draft.id):
        attachment.dossier_id = dossier.id
    session.flush()
    store.keep_uploads(session, dossier, dossier.procedure_version.settings)
    return dossier
