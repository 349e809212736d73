"""The daily seal over the event logs (engine/audit/seals.py), timestamped by the
PKI's timestamp authority or the one at MOTCUA_TSA_URL."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from engine import config
from engine.audit.seals import make_seal
from engine.deadlines.calendar import VIETNAM_TZ as VIETNAM
from engine.models import AuditSeal
from signing import load_pki
from signing.tokens import timestamp_token

from .sign import timestamper

log = logging.getLogger(__name__)


def seal_now(factory: sessionmaker[Session], now: datetime) -> AuditSeal | None:
    """Seal today's office day (Vietnam time); None if sealed already or nothing grew."""
    pki = load_pki(config.pki_dir())
    stamper = timestamper(pki)
    name = config.tsa_url() or pki.tsa.cert.subject.rfc4514_string()

    def timestamp(root: bytes) -> tuple[bytes, str]:
        return timestamp_token(stamper, root), name

    return make_seal(factory, now.astimezone(VIETNAM).date(), timestamp, now)


def daily_duty(factory: sessionmaker[Session], now: datetime, settings: object) -> str:
    seal = seal_now(factory, now)
    if seal is None:
        return "nothing new to seal"
    return f"sealed {seal.leaves} dossier log(s), root {seal.root[:16]}…"
