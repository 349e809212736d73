"""Shared test helpers: deploy bundles, drive dossiers through the worker."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.dossiers import runner
from engine.models import Dossier, HumanTask
from engine.outbox.worker import run_once
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle
from engine.procedures.operators import JobContext


def deploy(sessions: sessionmaker[Session], path: Path) -> procedures.DeployResult:
    with transaction(sessions) as s:
        return procedures.deploy(s, load_bundle(path), "test")


def submit(sessions: sessionmaker[Session], code: str, application: dict[str, Any],
           when: datetime | None = None, channel: str = "online") -> str:
    with transaction(sessions) as s:
        return runner.submit(s, code, application, actor="citizen1", channel=channel,
                             applicant_user="citizen1", at=when).code


def work(sessions: sessionmaker[Session], when: datetime | None = None) -> None:
    """Run every due job and timer, as a worker would."""
    if when is None:
        run_once(sessions)
    else:
        run_once(sessions, clock=lambda: when)


def open_tasks(sessions: sessionmaker[Session], code: str) -> list[HumanTask]:
    with transaction(sessions) as s:
        return list(s.scalars(
            select(HumanTask).join(Dossier).where(Dossier.code == code, HumanTask.state == "open")
            .order_by(HumanTask.id)))


def task(sessions: sessionmaker[Session], code: str, element_id: str) -> HumanTask:
    found = [t for t in open_tasks(sessions, code) if t.element_id == element_id]
    assert found, f"{element_id} is not open on {code}: {[t.element_id for t in open_tasks(sessions, code)]}"
    return found[0]


def complete(sessions: sessionmaker[Session], code: str, element_id: str, data: dict[str, Any],
             actor: str = "officer", when: datetime | None = None) -> Dossier:
    row = task(sessions, code, element_id)
    with transaction(sessions) as s:
        return runner.complete_task(s, row.id, data, actor=actor, at=when)


def dossier(sessions: sessionmaker[Session], code: str) -> Dossier:
    with transaction(sessions) as s:
        return runner.get_dossier(s, code)


def consent_to_sign(sessions: sessionmaker[Session], code: str, username: str,
                    passphrase: str = "motcua-demo") -> None:
    """What "sign and approve" records before the approval is completed."""
    from engine.accounts.signing_grants import grant

    with transaction(sessions) as s:
        grant(s, runner.get_dossier(s, code), username, "approval", passphrase)


def pay_at_counter(sessions: sessionmaker[Session], code: str, when: datetime | None = None,
                   cashier: str = "tiepnhan") -> None:
    """The applicant pays the waiting fee in cash at the counter; then the worker runs."""
    from engine.payments import payments

    with transaction(sessions) as s:
        payments.record_counter_payment(s, code, cashier, when)
    work(sessions, when)


def context(sessions, code: str, operator: str, key: str, data=None, params=None) -> JobContext:
    with transaction(sessions) as s:
        d = dossier(sessions, code)
        version = procedures.load_version(s, d.procedure_version_id)
        return JobContext(
            job_id=0, operator=operator, idempotency_key=key, params=params or {},
            dossier_code=code, procedure_code=version.code, attempt=1, data=data or {},
            dossier={"code": code, "status": d.status, "channel": d.channel,
                     "applicant_name": d.applicant_name, "applicant_user": d.applicant_user,
                     "application": d.application, "fee_amount": d.fee_amount,
                     "submitted_at": d.submitted_at, "received_at": d.received_at,
                     "appointment_date": d.appointment_date},
            settings=version.settings, files=version.files, sessions=sessions)


def received_long_ago(sessions: sessionmaker[Session], days: int = 30) -> str:
    """A marital-status dossier (the processes/ bundles deployed) submitted and received
    `days` ago, now waiting at the specialist's review: overdue."""
    from datetime import timedelta

    from engine.models import utcnow
    from engine.scenario.scenario import all_scenarios

    from .conftest import PROCESSES

    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    then = utcnow() - timedelta(days=days)
    with transaction(sessions) as s:
        code = runner.submit(s, "marital_status", all_scenarios()["marital_status"].application,
                             actor="congdan", applicant_user="congdan", at=then).code
    work(sessions, then)
    complete(sessions, code, "reception", {"reception_decision": "receive", "giay_to_da_nhan":
                                           ["to_khai", "giay_to_nhan_than"]},
             actor="tiepnhan", when=then)
    work(sessions, then)
    return code


def issue_expired_officer(pki: Any, name: str, organisation: str, passphrase: str,
                          **options: Any) -> Any:
    """An officer of the local PKI whose certificate was valid for 60 days and expired
    yesterday."""
    from datetime import UTC, timedelta

    end = datetime.now(UTC) - timedelta(days=1)
    return pki.issue_officer(name, organisation, passphrase, not_before=end - timedelta(days=60),
                             not_after=end, **options)


def issue_untrusted_officer(pki: Any, name: str, organisation: str, passphrase: str,
                            **options: Any) -> Any:
    """An officer issued by the local PKI's second root, which no trust setting names."""
    from signing.pki import UNTRUSTED_ROOT

    return pki.issue_officer(name, organisation, passphrase, issuer=UNTRUSTED_ROOT, **options)


CONFORMANCE = Path(__file__).resolve().parent / "fixtures" / "bpmn"
CONFORMANCE_LANES = {"lane_citizen": "citizen", "lane_reception": "reception",
                     "lane_specialist": "specialist", "lane_leader": "leader"}


def bpmn_bundle(folder: Path, name: str, extra_toml: str = "", source: Path | None = None) -> Path:
    """A bundle around tests/fixtures/bpmn/<name>.bpmn (its process id is `name`), with
    the conformance suite's forms and lanes, and the decision tables
    tests/fixtures/bpmn/decisions/<name>*.dmn in its decisions/; returns its folder under
    `folder`. `source` is another folder of diagrams (tests/fixtures/bpmn/refused/)."""
    bundle = folder / name
    (bundle / "forms").mkdir(parents=True)
    (bundle / "procedure.bpmn").write_bytes(((source or CONFORMANCE) / f"{name}.bpmn").read_bytes())
    for dmn in sorted(((source or CONFORMANCE) / "decisions").glob(f"{name}*.dmn")):
        (bundle / "decisions").mkdir(exist_ok=True)
        (bundle / "decisions" / dmn.name).write_bytes(dmn.read_bytes())
    for form in (CONFORMANCE / "forms").glob("*.json"):
        (bundle / "forms" / form.name).write_bytes(form.read_bytes())
    lanes = "\n".join(f'{lane} = {{ role = "{role}" }}' for lane, role in CONFORMANCE_LANES.items())
    (bundle / "procedure.toml").write_text(
        f'code = "{name}"\nname_vi = "Thử {name}"\nname_en = "Conformance {name}"\n'
        f'level = "commune"\nagency = "TEST"\ndepartment = "TUPHAP"\n'
        f'legal_deadline_working_days = 5\nstart_form = "application.json"\n'
        f'{extra_toml}\n[fees]\nonline = 0\ncounter = 0\npostal = 0\n\n[lanes]\n{lanes}\n',
        encoding="utf-8")
    return bundle


@cache  # the session's PKI: one signature per agency serves every test
def signed_by_agency(agency: str) -> tuple[bytes, str]:
    """(a one-page PDF signed with the agency's organisation key, that certificate's
    fingerprint): a real signature made in a fraction of the time a rendered and twice
    signed result takes, for tests about what happens to an issued result afterwards."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    from connectors import organisation_keys
    from signing import sign_pdf
    from signing.certs import fingerprint
    from signing.keys import signer_certificate

    writer = PdfFileWriter()
    writer.insert_page(PageObject(writer.add_object(generic.StreamObject(stream_data=b"")),
                                  (0, 0, 595, 842)))
    out = BytesIO()
    writer.write(out)
    with organisation_keys.open_signer(agency) as signer:
        signed = sign_pdf(out.getvalue(), signer, level="B-B", field="CoQuan", visible=False)
        return signed.pdf, fingerprint(signer_certificate(signer))


def issued_result(session: Session, owner: str, dossier_code: str | None = None,
                  pdf: bytes | None = None, fingerprint: str | None = None,
                  kind: str = "giay_xac_nhan_tinh_trang_hon_nhan",
                  agency_name: str = "Ủy ban nhân dân phường Hoàn Kiếm") -> Any:
    """An issued result's record in `owner`'s document store, made directly (no workflow):
    by default a real signature of UBND-PHK's organisation key (marital_status's agency)."""
    from engine.documents import blobs, store
    from engine.models import StoredDocument, utcnow

    if pdf is None:
        pdf, fingerprint = signed_by_agency("UBND-PHK")
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == dossier_code)) \
        if dossier_code else None
    item = StoredDocument(
        owner=owner, origin=store.ISSUED, kind=kind, name=f"{dossier_code or 'ket-qua'}-ket-qua.pdf",
        media_type="application/pdf", size=len(pdf), sha256=blobs.put(pdf),
        dossier_id=dossier_id, number="07/XNTTHN", added_at=utcnow(),
        signature={"signer_fingerprint": fingerprint, "signer_name": "UBND",
                   "signed_at": utcnow().isoformat(), "agency": agency_name})
    session.add(item)
    session.flush()
    return item


def validate_folder(processes: Path) -> list[str]:
    """Validate every bundle under `processes` as deploying it would, each caller with
    the shared sub-procedures it calls; returns the codes validated."""
    from engine.procedures.bundle import called_elsewhere, validate

    bundles = {f.name: load_bundle(f) for f in sorted(processes.iterdir())
               if (f / "procedure.toml").exists()}
    shared = {code: validate(b, None) for code, b in bundles.items() if not called_elsewhere(b)}
    for code, bundle in bundles.items():
        if code not in shared:
            validate(bundle, None, {c: shared[c] for c in called_elsewhere(bundle)})
    return list(bundles)
