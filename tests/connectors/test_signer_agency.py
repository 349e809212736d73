"""result.sign signs an agency's result only with a certificate of that agency: a leader
whose certificate names another agency is refused (retried, then an incident, nothing
issued); an officer who serves several agencies signs each with that agency's certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from connectors import organisation_keys
from engine.db import transaction
from engine.documents import blobs
from engine.dossiers import runner
from engine.models import Dossier, Incident, Job, utcnow
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive
from signing import OfficerSpec, Verdict, init_pki, load_pki, verify_pdf

from ..conftest import HOAN_KIEM, PROCESSES, SIGNING_PASSPHRASE
from ..helpers import work

PERMIT = all_scenarios()["construction_permit"]  # issued by phường Cầu Giấy
CAU_GIAY = "Ủy ban nhân dân phường Cầu Giấy"


@pytest.fixture
def deployed(sessions):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _sign_jobs(sessions, code: str) -> list[Job]:
    with transaction(sessions) as s:
        return list(s.scalars(select(Job).join(Dossier).where(
            Dossier.code == code, Job.operator == "result.sign").order_by(Job.id)))


@pytest.fixture
def hoan_kiem_leader_only(tmp_path, monkeypatch):
    """A PKI where the leader holds a certificate of phường Hoàn Kiếm only."""
    folder = tmp_path / "pki-hk"
    init_pki(folder, [OfficerSpec("Lê Quang Hải", HOAN_KIEM, SIGNING_PASSPHRASE,
                                  slug="lanhdao", key_type="ec-p256")])
    monkeypatch.setenv("MOTCUA_PKI", str(folder))
    organisation_keys.issue("UBND-PCG", CAU_GIAY)
    return folder


def test_a_leader_of_another_agency_cannot_sign_and_nothing_is_issued(deployed,
                                                                     hoan_kiem_leader_only):
    code = drive(deployed, PERMIT, "approve")
    job = _sign_jobs(deployed, code)[0]
    assert job.status == "pending"
    assert f"issued to {HOAN_KIEM}, not to {CAU_GIAY}" in job.last_error
    when = utcnow()
    for _ in range(8):  # every retry is refused the same way, then an incident
        when += timedelta(hours=2)
        work(deployed, when)
    jobs = _sign_jobs(deployed, code)
    assert [j.status for j in jobs] == ["incident"] and jobs[0].result is None
    with transaction(deployed) as s:
        assert s.scalar(select(Incident.reason).where(Incident.job_id == jobs[0].id))
        assert runner.get_dossier(s, code).status == "in_progress"  # no result handed over


def test_an_officer_serving_two_agencies_signs_each_with_its_certificate(deployed, signing_pki):
    code = drive(deployed, PERMIT, "approve")
    leader, agency = (j.result for j in _sign_jobs(deployed, code))
    assert leader["signer"] == "lanhdao" and agency["organisation"] == "UBND-PCG"
    report = verify_pdf(blobs.get(agency["document"]), load_pki(signing_pki).trust(),
                        organisation=CAU_GIAY)
    assert report.verdict == Verdict.VALID
    assert [(s.organisation, s.organisation_matches) for s in report.signatures] == [
        (CAU_GIAY, True), (CAU_GIAY, True)]
