"""The documents a dossier produced (drafts, results, signed results), each version with
its sha256 and, when signed, who signed it: read from the finished render and sign jobs,
whose results the event log also holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Job

DOCUMENT_OPERATORS = ("result.render", "result.sign")


@dataclass(frozen=True)
class DocumentVersion:
    sha256: str
    media_type: str
    size: int
    kind: str  # draft | final | signed
    made_at: datetime | None
    element_id: str
    signature: dict[str, Any] | None = None
    number: str | None = None  # số văn bản from the agency's register, once issued

    @property
    def filename(self) -> str:
        suffix = {"draft": "du-thao", "final": "chua-ky", "signed": "da-ky"}[self.kind]
        return f"{suffix}-{self.sha256[:12]}.pdf" if self.media_type == "application/pdf" \
            else f"{suffix}-{self.sha256[:12]}"


def _version(job: Job, number: str | None) -> DocumentVersion | None:
    result = job.result or {}
    if not isinstance(result.get("document"), str):
        return None
    if job.operator == "result.sign":
        if not result.get("signed"):
            return None
        kind = "signed"
    else:
        kind = "draft" if result.get("draft") else "final"
    signature = {k: result.get(k) for k in (
        "signer", "signer_name", "signer_fingerprint", "level", "signed_at", "on_behalf_of",
        "field")} if kind == "signed" else None
    return DocumentVersion(
        sha256=result["document"], media_type=str(result.get("media_type") or "application/pdf"),
        size=int(result.get("bytes") or 0), kind=kind, made_at=job.finished_at,
        element_id=job.element_id, signature=signature,
        number=None if kind == "draft" else number)


def dossier_documents(session: Session, dossier_id: int) -> list[DocumentVersion]:
    """Every document version of the dossier, oldest first. A signed version carries the
    number of the rendering it signs."""
    jobs = session.scalars(select(Job).where(
        Job.dossier_id == dossier_id, Job.operator.in_(DOCUMENT_OPERATORS), Job.status == "done",
    ).order_by(Job.finished_at, Job.id))
    versions, number = [], None
    for job in jobs:
        if job.operator == "result.render" and not (job.result or {}).get("draft"):
            number = (job.result or {}).get("document_number")
        version = _version(job, number)
        if version is not None:
            versions.append(version)
    return versions


def latest(session: Session, dossier_id: int, kind: str) -> DocumentVersion | None:
    found = [v for v in dossier_documents(session, dossier_id) if v.kind == kind]
    return found[-1] if found else None


def find(session: Session, dossier_id: int, sha256: str) -> DocumentVersion | None:
    return next((v for v in dossier_documents(session, dossier_id) if v.sha256 == sha256), None)
