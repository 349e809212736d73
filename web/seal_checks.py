"""A dossier's seals checked in full: the database still agrees with each seal
(engine.audit_seals) and each seal's timestamp token is genuine and over its root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.audit_seals import SealProof, seal_proofs
from engine.models import Dossier
from signing.tokens import TokenCheck, check_token

from .verification import trust


@dataclass(frozen=True)
class SealVerdict:
    proof: SealProof
    token: TokenCheck

    @property
    def ok(self) -> bool:
        return self.proof.intact and self.token.valid


def seal_verdicts(session: Session, dossier: Dossier) -> list[SealVerdict]:
    settings = trust()
    verdicts = []
    for proof in seal_proofs(session, dossier):
        token = (check_token(proof.token, bytes.fromhex(proof.root), settings) if settings
                 else TokenCheck(False, None, None, "no trust roots configured"))
        verdicts.append(SealVerdict(proof, token))
    return verdicts
