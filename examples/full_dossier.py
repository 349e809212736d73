"""Drive one dossier of each procedure from submission to completion through the
engine API, printing each step.

    .venv/bin/python -m examples.full_dossier            # a throw-away SQLite database
    MOTCUA_DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m examples.full_dossier
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from sqlalchemy import select

from connectors import organisation_keys, register_all
from engine import config, db, migrate
from engine.audit import events
from engine.db import transaction
from engine.dossiers import runner
from engine.dossiers.replay import replay
from engine.models import Job, ProcedureVersion
from engine.procedures import procedures
from engine.scenario.scenario import Clock, all_scenarios, drive
from signing import OfficerSpec, init_pki


def main() -> None:
    scratch = tempfile.mkdtemp(prefix="motcua-example-")
    os.environ.setdefault("MOTCUA_INSTANCE", scratch)
    url = os.environ.get("MOTCUA_DATABASE_URL") or f"sqlite:///{scratch}/example.db"
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    register_all()
    if not (config.pki_dir() / "pki.json").exists():
        # the scenarios' leader signs with this key; the passphrase is their consent_to_sign
        # the leader serves both wards: a certificate of each, the same passphrase
        init_pki(config.pki_dir(), [
            OfficerSpec("Lê Quang Hải", "Ủy ban nhân dân phường Hoàn Kiếm", "motcua-demo",
                        slug="lanhdao"),
            OfficerSpec("Lê Quang Hải", "Ủy ban nhân dân phường Cầu Giấy", "motcua-demo",
                        slug="lanhdao@ubnd-pcg")])
        print(f"local PKI in {config.pki_dir()} with a signing key for lanhdao")
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        for r in procedures.deploy_path(s, config.processes_dir(), "example"):
            print(f"deployed {r.code} v{r.version} {r.content_hash[:12]}")
        agencies = {v.settings["agency"]: v.settings["agency_name_vi"]
                    for v in s.scalars(select(ProcedureVersion)) if not v.settings.get("shared")}
    for agency, name in sorted(agencies.items()):  # each agency seals the results it issues
        if not organisation_keys.has_key(agency):
            organisation_keys.issue(agency, name)
    # Monday 2 March 2026, 08:00 in Hà Nội; every step one hour later.
    clock_start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for name, scenario in all_scenarios().items():
        print(f"\n== {name}: {scenario.procedure} ==")
        code = drive(sessions, scenario, "approve", clock=Clock(clock_start), log=print)
        with transaction(sessions) as s:
            d = runner.get_dossier(s, code)
            print(f"{code}: final status {d.status}, received {d.received_at:%d/%m/%Y %H:%M} UTC, "
                  f"appointment {d.appointment_date:%d/%m/%Y}, {d.last_event_seq} events")
            print(f"  {events.verify_chain(s, d)}")
            print(f"  {replay(s, d)}")
            for result in s.scalars(select(Job.result).where(
                    Job.dossier_id == d.id, Job.operator == "result.sign", Job.status == "done")):
                print(f"  signed by {result['signer_name']} ({result['level']}), sha256 {result['document']}")


if __name__ == "__main__":
    main()
