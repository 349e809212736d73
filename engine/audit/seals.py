"""Daily seals over the event logs. Each dossier's log is a hash chain, but whoever can
write the database could rewrite a whole chain consistently. So once a day the chain
heads of every dossier whose log grew are put in a Merkle tree, and a timestamp
authority signs its root: a log changed after it was sealed no longer leads to a sealed
head, and no one can get a token for a past day. Each dossier can then be shown, with
the path from its leaf to the root, to have had that history on that day."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import AccountEvent, AuditSeal, Dossier, Event, SealLeaf, utcnow

LEAF_RULE = ("leaf = sha256('motcua-leaf' LF code LF seq LF head); parent = sha256(left + "
             "right) over the raw 32-byte digests; leaves in order of dossier code, then the "
             "account log's leaf (code 'account-log', seq = its last row id) when it grew; an "
             "odd last node goes up unchanged; the token is an RFC 3161 timestamp over the root")
ACCOUNT_LOG = "account-log"

# (root digest) -> (DER timestamp token over it, the authority's name)
Timestamp = Callable[[bytes], tuple[bytes, str]]


def leaf_hash(code: str, seq: int, head: str) -> bytes:
    return hashlib.sha256(f"motcua-leaf\n{code}\n{seq}\n{head}".encode()).digest()


def _parents(level: list[bytes]) -> list[bytes]:
    return [hashlib.sha256(level[i] + level[i + 1]).digest() if i + 1 < len(level)
            else level[i] for i in range(0, len(level), 2)]


def merkle_root(leaves: list[bytes]) -> bytes:
    level = list(leaves)
    while len(level) > 1:
        level = _parents(level)
    return level[0]


def merkle_path(leaves: list[bytes], index: int) -> list[tuple[str, str]]:
    """The siblings from leaf `index` up to the root: ("L" or "R", hex digest)."""
    path, level = [], list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(("L" if sibling < index else "R", level[sibling].hex()))
        level = _parents(level)
        index //= 2
    return path


def root_from_path(leaf: bytes, path: list[tuple[str, str]]) -> bytes:
    node = leaf
    for side, sibling in path:
        other = bytes.fromhex(sibling)
        node = hashlib.sha256(other + node if side == "L" else node + other).digest()
    return node


@dataclass(frozen=True)
class Pending:
    day: date
    leaves: list[tuple[int, str, int, str]]  # dossier id, code, seq, head
    account: tuple[int, str] | None = None  # the account log's last id and hash, if it grew

    @property
    def root(self) -> bytes:
        return merkle_root(_leaf_hashes([(c, s, h) for _, c, s, h in self.leaves], self.account))


def _leaf_hashes(dossiers: list[tuple[str, int, str]],
                 account: tuple[int, str] | None) -> list[bytes]:
    hashes = [leaf_hash(code, seq, head) for code, seq, head in dossiers]
    if account is not None:
        hashes.append(leaf_hash(ACCOUNT_LOG, *account))
    return hashes


def _stored_leaves(session: Session, seal: AuditSeal) -> tuple[list[str], list[bytes]]:
    """The seal's dossier codes in tree order, and every leaf hash of its tree."""
    rows = list(session.execute(select(SealLeaf.dossier_code, SealLeaf.seq, SealLeaf.head)
                                .where(SealLeaf.seal_id == seal.id)
                                .order_by(SealLeaf.dossier_code)))
    account = (seal.account_seq, seal.account_head) if seal.account_head else None
    return ([code for code, _, _ in rows],
            _leaf_hashes([(c, s, h) for c, s, h in rows], account))  # type: ignore[arg-type]


def pending_seal(session: Session, day: date) -> Pending | None:
    """What a seal for `day` would cover: every dossier whose log grew since it was last
    sealed. None when that day is sealed already or nothing grew."""
    if session.scalar(select(AuditSeal.id).where(AuditSeal.day == day)) is not None:
        return None
    sealed = (select(SealLeaf.dossier_id, func.max(SealLeaf.seq).label("seq"))
              .group_by(SealLeaf.dossier_id).subquery())
    rows = session.execute(
        select(Dossier.id, Dossier.code, Dossier.last_event_seq, Dossier.last_event_hash)
        .outerjoin(sealed, sealed.c.dossier_id == Dossier.id)
        .where(Dossier.last_event_seq > func.coalesce(sealed.c.seq, 0))
        .order_by(Dossier.code))
    leaves = [(did, code, seq, head) for did, code, seq, head in rows]
    last = session.execute(select(AccountEvent.id, AccountEvent.hash)
                           .order_by(AccountEvent.id.desc()).limit(1)).first()
    sealed_up_to = session.scalar(select(func.max(AuditSeal.account_seq)))
    account = (last[0], last[1]) if last and last[0] != sealed_up_to else None
    return Pending(day, leaves, account) if leaves or account else None


def make_seal(factory: sessionmaker[Session], day: date, timestamp: Timestamp,
              at: datetime | None = None) -> AuditSeal | None:
    """Seal `day`: read the heads, have the root timestamped (outside any transaction),
    store the seal. None when there is nothing to seal or another worker sealed it."""
    with transaction(factory) as session:
        pending = pending_seal(session, day)
    if pending is None:
        return None
    root = pending.root
    token, tsa = timestamp(root)
    try:
        with transaction(factory) as session:
            seal = AuditSeal(day=day, sealed_at=at or utcnow(), leaves=len(pending.leaves),
                             root=root.hex(), token=token, tsa=tsa[:300],
                             account_seq=pending.account[0] if pending.account else None,
                             account_head=pending.account[1] if pending.account else None)
            session.add(seal)
            session.flush()
            session.add_all(SealLeaf(seal_id=seal.id, dossier_id=did, dossier_code=code,
                                     seq=seq, head=head)
                            for did, code, seq, head in pending.leaves)
        return seal
    except IntegrityError:
        return None  # the same day sealed by another worker a moment ago


@dataclass(frozen=True)
class SealProof:
    """What one seal says of one dossier, and whether the database still agrees."""

    seal_id: int
    day: date
    sealed_at: datetime
    tsa: str
    seq: int
    head: str
    root: str
    token: bytes = field(repr=False)
    path: list[tuple[str, str]] = field(default_factory=list)
    event_matches: bool = False  # the dossier's event `seq` still has hash `head`
    root_matches: bool = False  # the seal's stored leaves still make its root

    @property
    def intact(self) -> bool:
        return self.event_matches and self.root_matches


def seal_proofs(session: Session, dossier: Dossier) -> list[SealProof]:
    proofs = []
    for leaf in session.scalars(select(SealLeaf).where(SealLeaf.dossier_id == dossier.id)
                                .order_by(SealLeaf.seal_id)):
        seal = session.get(AuditSeal, leaf.seal_id)
        if seal is None:
            continue
        codes, hashes = _stored_leaves(session, seal)
        index = codes.index(leaf.dossier_code)
        event_hash = session.scalar(select(Event.hash).where(
            Event.dossier_id == dossier.id, Event.seq == leaf.seq))
        own = leaf_hash(dossier.code, leaf.seq, leaf.head)
        path = merkle_path(hashes, index)
        proofs.append(SealProof(
            seal_id=seal.id, day=seal.day, sealed_at=seal.sealed_at, tsa=seal.tsa, seq=leaf.seq,
            head=leaf.head, root=seal.root, token=seal.token, path=path,
            event_matches=event_hash == leaf.head,
            root_matches=merkle_root(hashes).hex() == seal.root
            and root_from_path(own, path).hex() == seal.root))
    return proofs


@dataclass(frozen=True)
class AccountSealProof:
    """What one seal says of the account log."""

    day: date
    root: str
    token: bytes = field(repr=False)
    seq: int
    head: str
    row_matches: bool  # the account log's row `seq` still has hash `head`
    root_matches: bool

    @property
    def intact(self) -> bool:
        return self.row_matches and self.root_matches


def account_seal_proofs(session: Session) -> list[AccountSealProof]:
    proofs = []
    for seal in session.scalars(select(AuditSeal).where(AuditSeal.account_head.is_not(None))
                                .order_by(AuditSeal.id)):
        row_hash = session.scalar(select(AccountEvent.hash).where(
            AccountEvent.id == seal.account_seq))
        proofs.append(AccountSealProof(
            seal.day, seal.root, seal.token, seal.account_seq or 0, seal.account_head or "",
            row_matches=row_hash == seal.account_head,
            root_matches=merkle_root(_stored_leaves(session, seal)[1]).hex() == seal.root))
    return proofs
