"""Side jobs (no workflow task waits for them) are told from service jobs by their
kind, and a database upgraded to the kind column gives its queued jobs their kind."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select

from engine import db, migrate
from engine.db import transaction
from engine.dossiers import side_jobs
from engine.models import Dossier, Event, Job, JobKind
from engine.outbox import outbox

from ..conftest import FIXTURES, at
from ..helpers import deploy, submit

APP = {"ho_ten": "Lê Văn Cường", "so_dinh_danh": "001099000222"}
T0 = at("2026-03-02 09:00")


@pytest.fixture
def mini(sessions):
    deploy(sessions, FIXTURES / "mini")
    return sessions


def queue_each_kind(sessions, code: str) -> None:
    with transaction(sessions) as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code))
        side_jobs.queue(s, dossier, JobKind.REMINDER, "notify.send", "reminder/task-1",
                        {"template": "reminder", "recipient": "role"}, T0)
        side_jobs.queue_notice(s, dossier, "received", T0)
        side_jobs.queue(s, dossier, JobKind.PORTAL_UPDATE, "portal.sync", "portal/1",
                        {"seq": 1}, T0)
        side_jobs.queue(s, dossier, JobKind.REFUND, "fee.refund", "late-refund/TT1",
                        {"reason": "late"}, T0)


def kinds(sessions) -> list[tuple[str, str, str]]:
    with transaction(sessions) as s:
        return [(j.idempotency_key, j.operator, j.kind)
                for j in s.scalars(select(Job).order_by(Job.id))]


def test_each_job_has_its_kind_and_a_side_job_is_only_recorded(mini):
    code = submit(mini, "mini", APP, T0)
    with transaction(mini) as s:
        seq = s.scalar(select(Dossier.last_event_seq).where(Dossier.code == code))
    queue_each_kind(mini, code)
    service, *side = kinds(mini)
    assert service[1:] == ("fee.collect", "service")
    assert side == [
        (f"{code}/reminder/task-1", "notify.send", "reminder"),
        (f"{code}/notice/received/{seq}", "notify.send", "notice"),
        (f"{code}/portal/1", "portal.sync", "portal_update"),
        (f"{code}/late-refund/TT1", "fee.refund", "refund"),
    ]
    with transaction(mini) as s:
        reminder = s.scalar(select(Job).where(Job.kind == JobKind.REMINDER))
        outbox.complete_job(s, reminder.id, {"sent": True}, T0)
        portal = s.scalar(select(Job).where(Job.kind == JobKind.PORTAL_UPDATE))
        outbox.complete_job(s, portal.id, {"acked": [1]}, T0)
        outbox.complete_job(s, reminder.id, {"sent": True}, T0)  # a second time: nothing
        assert (reminder.status, portal.status) == ("done", "done")
        assert [(e.type, e.payload["template"], e.payload["kind"]) for e in s.scalars(
            select(Event).where(Event.type == "notice_sent"))] == [
            ("notice_sent", "reminder", "reminder")]


def test_a_service_job_is_not_queued_as_a_side_job(mini):
    code = submit(mini, "mini", APP, T0)
    with transaction(mini) as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code))
        with pytest.raises(ValueError, match="runner"):
            side_jobs.queue(s, dossier, JobKind.SERVICE, "fee.collect", "x/1", {}, T0)


def test_the_upgrade_gives_jobs_queued_before_it_their_kind(mini, db_url):
    code = submit(mini, "mini", APP, T0)
    queue_each_kind(mini, code)
    before = kinds(mini)
    engine = db.make_engine(db_url)
    cfg = migrate.alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0011")
    with engine.connect() as connection:
        assert "kind" not in {c["name"] for c in inspect(connection).get_columns("jobs")}
    migrate.upgrade(engine)
    engine.dispose()
    assert kinds(mini) == before  # the same keys: a job retried now still sends once
    assert [k for _, _, k in before] == ["service", "reminder", "notice", "portal_update",
                                         "refund"]
