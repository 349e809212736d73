"""A dossier's seals checked in full: the database still agrees with each seal
(engine.audit.seals) and each seal's timestamp token is genuine and over its root."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from engine.audit.seals import AccountSealProof, SealProof, account_seal_proofs, seal_proofs
from engine.models import Dossier
from signing.tokens import TokenCheck, check_token

from .verification import trust

Proof = TypeVar("Proof", SealProof, AccountSealProof)


@dataclass(frozen=True)
class SealVerdict(Generic[Proof]):
    proof: Proof
    token: TokenCheck

    @property
    def ok(self) -> bool:
        return self.proof.intact and self.token.valid


def seal_verdicts(session: Session, dossier: Dossier) -> list[SealVerdict[SealProof]]:
    return _with_tokens(seal_proofs(session, dossier))


def account_seal_verdicts(session: Session) -> list[SealVerdict[AccountSealProof]]:
    """Each seal taken over the account log, checked the same way."""
    return _with_tokens(account_seal_proofs(session))


def _with_tokens(proofs: Sequence[Proof]) -> list[SealVerdict[Proof]]:
    settings = trust()
    return [SealVerdict(proof, check_token(proof.token, bytes.fromhex(proof.root), settings)
                        if settings else TokenCheck(False, None, None, "no trust roots configured"))
            for proof in proofs]
