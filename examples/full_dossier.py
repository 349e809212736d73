"""Drive one dossier of each procedure from submission to completion through the
engine API, printing each step.

    .venv/bin/python examples/full_dossier.py            # a throw-away SQLite database
    MOTCUA_DATABASE_URL=postgresql+psycopg://... .venv/bin/python examples/full_dossier.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors import register_all  # noqa: E402
from engine import config, db, events, migrate, procedures, runner  # noqa: E402
from engine.db import transaction  # noqa: E402
from engine.replay import replay  # noqa: E402
from engine.scenario import Clock, all_scenarios, drive  # noqa: E402


def main() -> None:
    scratch = tempfile.mkdtemp(prefix="motcua-example-")
    os.environ.setdefault("MOTCUA_INSTANCE", scratch)
    url = os.environ.get("MOTCUA_DATABASE_URL") or f"sqlite:///{scratch}/example.db"
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    register_all()
    sessions = db.session_factory(engine)
    with transaction(sessions) as s:
        for r in procedures.deploy_path(s, config.processes_dir(), "example"):
            print(f"deployed {r.code} v{r.version} {r.content_hash[:12]}")
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


if __name__ == "__main__":
    main()
