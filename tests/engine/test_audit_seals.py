"""Daily seals over the event logs: a Merkle root of the chain heads, timestamped by the
TSA. A history rewritten consistently (every hash recomputed) passes the chain check but
not the seal; a seal whose stored root is changed to match no longer matches its token;
and the export lets anyone check a dossier's seal without motcua."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from datetime import timedelta

import pytest
from asn1crypto import cms
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select, update

from connectors import register_all
from connectors.audit_seal import seal_now
from engine.audit.events import event_hash, verify_chain
from engine.audit.seals import leaf_hash, merkle_path, merkle_root, root_from_path
from engine.db import transaction
from engine.dossiers.officers import record_view
from engine.models import AuditSeal, Dossier, Event, SealLeaf
from engine.outbox.worker_loop import DAILY_DUTIES
from signing import load_pki
from web.seal_checks import seal_verdicts

from ..conftest import FIXTURES, at, login
from ..helpers import deploy, dossier, submit

APP = {"ho_ten": "Trần Thị Bình", "so_dinh_danh": "079188000111"}
MORNING = at("2026-03-02 09:00")


@pytest.fixture
def two(sessions):
    deploy(sessions, FIXTURES / "mini")
    return sessions, [submit(sessions, "mini", APP, MORNING) for _ in range(2)]


def _verdicts(sessions, code):
    with transaction(sessions) as s:
        return seal_verdicts(s, dossier(sessions, code))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_every_leaf_has_a_path_to_the_root(n):
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(n)]
    root = merkle_root(leaves)
    assert all(root_from_path(leaf, merkle_path(leaves, i)) == root
               for i, leaf in enumerate(leaves))
    assert root_from_path(hashlib.sha256(b"other").digest(), merkle_path(leaves, 0)) != root


def test_a_day_is_sealed_once_and_the_next_seal_takes_only_what_grew(two):
    sessions, (first, second) = two
    seal = seal_now(sessions, MORNING)
    assert seal is not None and seal.leaves == 2 and len(seal.root) == 64
    assert seal_now(sessions, MORNING + timedelta(hours=1)) is None  # same office day
    [verdict] = _verdicts(sessions, first)
    assert verdict.ok and verdict.token.valid and "Timestamp Authority" in verdict.token.tsa
    with transaction(sessions) as s:
        record_view(s, dossier(sessions, first).id, "kiemtoan", MORNING + timedelta(days=1))
    later = seal_now(sessions, MORNING + timedelta(days=1))
    assert later is not None and later.leaves == 1
    assert seal_now(sessions, MORNING + timedelta(days=2)) is None  # nothing grew
    assert [v.proof.day for v in _verdicts(sessions, first)] == [seal.day, later.day]
    assert all(v.ok for v in _verdicts(sessions, first) + _verdicts(sessions, second))
    register_all()
    assert "audit_seal" in DAILY_DUTIES  # every worker seals once a day


def test_a_consistent_rewrite_passes_the_chain_but_not_the_seal(two):
    sessions, (first, _) = two
    seal_now(sessions, MORNING)
    with transaction(sessions) as s:  # rewrite event 1 and every hash after it
        d = s.scalar(select(Dossier).where(Dossier.code == first))
        prev = "0" * 64
        for e in s.scalars(select(Event).where(Event.dossier_id == d.id).order_by(Event.seq)):
            payload = dict(e.payload, forged=True) if e.seq == 1 else e.payload
            digest = event_hash(prev, d.code, e.seq, e.at, e.actor, e.type, payload)
            s.execute(update(Event).where(Event.id == e.id).values(
                payload=payload, prev_hash=prev, hash=digest))
            prev = digest
        s.execute(update(Dossier).where(Dossier.id == d.id).values(last_event_hash=prev))
    with transaction(sessions) as s:
        assert verify_chain(s, dossier(sessions, first)).ok  # the chain alone cannot tell
    [verdict] = _verdicts(sessions, first)
    assert not verdict.ok and not verdict.proof.event_matches and verdict.token.valid


def test_a_seal_rewritten_to_fit_no_longer_matches_its_token(two):
    sessions, (first, second) = two
    seal = seal_now(sessions, MORNING)
    d = dossier(sessions, first)
    with transaction(sessions) as s:  # drop the other dossier's leaf and fix the root
        s.execute(SealLeaf.__table__.delete().where(SealLeaf.dossier_code == second))
        forged = merkle_root([leaf_hash(first, d.last_event_seq, d.last_event_hash)]).hex()
        s.execute(update(AuditSeal).where(AuditSeal.id == seal.id).values(root=forged))
    [verdict] = _verdicts(sessions, first)
    assert verdict.proof.intact and not verdict.token.valid
    assert verdict.token.reason == "the token is over other data"


def test_the_auditor_sees_the_seal_and_can_check_it_from_the_export(app, people, two,
                                                                   signing_pki, tmp_path):
    sessions, (first, _) = two
    seal_now(sessions, MORNING)
    auditor = login(app.test_client(), "kiemtoan")
    body = auditor.get(f"/can-bo/ho-so/{first}/kiem-toan").get_data(as_text=True)
    assert '<li class="ok" data-seal="2026-03-02">' in body and "còn nguyên vẹn" in body
    log = json.loads(auditor.get(f"/can-bo/ho-so/{first}/nhat-ky.json").get_data(as_text=True))
    [sealed] = log["seals"]
    event = log["events"][sealed["seq"] - 1]
    assert event["hash"] == sealed["head"]
    # the rule the export states, followed here without motcua's code
    node = hashlib.sha256(f"motcua-leaf\n{first}\n{sealed['seq']}\n{sealed['head']}".encode()).digest()
    for step in sealed["path"]:
        other = bytes.fromhex(step["hash"])
        node = hashlib.sha256(other + node if step["side"] == "L" else node + other).digest()
    assert node.hex() == sealed["root"]
    token = cms.ContentInfo.load(base64.b64decode(sealed["token"]))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native.hex() == sealed["root"]
    # and OpenSSL, knowing only the PKI's root, accepts the token over that root
    pki = load_pki(signing_pki)
    (tmp_path / "token.der").write_bytes(base64.b64decode(sealed["token"]))
    (tmp_path / "root.pem").write_bytes(pki.root.cert.public_bytes(Encoding.PEM))
    (tmp_path / "chain.pem").write_bytes(pki.issuing.cert.public_bytes(Encoding.PEM)
                                         + pki.tsa.cert.public_bytes(Encoding.PEM))

    def openssl(root: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["openssl", "ts", "-verify", "-digest", root, "-token_in", "-in",
             str(tmp_path / "token.der"), "-CAfile", str(tmp_path / "root.pem"),
             "-untrusted", str(tmp_path / "chain.pem")], capture_output=True, text=True)

    assert "Verification: OK" in openssl(sealed["root"]).stdout
    assert openssl(hashlib.sha256(b"another root").hexdigest()).returncode != 0


def test_audit_commands_seal_and_check(db_url, two, monkeypatch):
    from web.cli import main

    sessions, (first, _) = two
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "seal"])
    assert result.exit_code == 0 and "sealed 2 dossier log(s)" in result.output
    assert "nothing to seal" in runner.invoke(main, ["audit", "seal"]).output
    result = runner.invoke(main, ["audit", "verify", first])
    assert result.exit_code == 0 and "up to event" in result.output and "intact" in result.output


def test_a_token_is_checked_for_its_digest_its_signature_and_its_authority(signing_pki, tmp_path):
    from signing import init_pki
    from signing.timestamp import InProcessTimeStamper, timestamp_authority
    from signing.tokens import check_token, timestamp_token

    pki = load_pki(signing_pki)
    digest = hashlib.sha256(b"a day's root").digest()
    token = timestamp_token(InProcessTimeStamper(timestamp_authority(pki)), digest)
    trust = pki.trust(ocsp_for=[pki.tsa.cert])
    assert check_token(token, digest, trust).valid
    assert check_token(token, hashlib.sha256(b"x").digest(), trust).reason == \
        "the token is over other data"
    broken = bytearray(token)
    broken[-20] ^= 0x01  # inside the signature value
    assert not check_token(bytes(broken), digest, trust).valid
    assert check_token(b"\x30\x03\x02\x01\x00", digest, trust).reason.startswith(
        "not a timestamp token")
    init_pki(tmp_path / "other", [])
    stranger = load_pki(tmp_path / "other").trust()
    assert check_token(token, digest, stranger).reason == "the timestamp authority is not trusted"
