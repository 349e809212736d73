"""A citizen reaches only what is theirs: their dossiers, drafts and files."""

from __future__ import annotations

from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Dossier


def my_dossier(session: Session, code: str) -> Dossier:
    """The signed-in applicant's dossier; someone else's is 'not found', so that
    a guessed code tells nothing."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None or not dossier.applicant_user or \
            dossier.applicant_user != current_user.username:
        raise NotFound(gettext("Không tìm thấy hồ sơ %(code)s trong hồ sơ của bạn.", code=code))
    return dossier
