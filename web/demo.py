"""`motcua demo`: a database with procedures, demo users and dossiers in
different states, served with a worker running in the same process."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors import organisation_keys
from connectors.audit_seal import seal_now
from engine import config
from engine.accounts.accounts import create_user
from engine.db import transaction
from engine.deadlines.calendar import VIETNAM_TZ
from engine.models import Dossier, ProcedureVersion, User, utcnow
from engine.outbox.worker import run_once
from engine.outbox.worker_loop import daily_duties, hourly_duties
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from . import demo_tables, signing_keys
from .admin.departments import known_departments
from .app import create_app
from .services import factory

DEMO_PASSWORD = "motcua-demo"

# (scenario, path, steps to play: None = to the end)
DEMO_DOSSIERS = [
    ("marital_status", "approve", None),
    ("marital_status", "approve", 1),
    ("marital_status", "supplement", 2),
    ("birth_registration", "approve", None),
    ("birth_registration", "approve", 0),
    ("construction_permit", "approve", 3),
    ("construction_permit", "reject", None),
]
# Left waiting for their fee: the demo citizen pays them online on the sandbox bank.
DEMO_UNPAID = [("construction_permit", "approve")]


def demo_users(departments: set[str]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    every = sorted(departments)
    return [
        ("admin", "Quản trị hệ thống", [("admin", "*")]),
        ("tiepnhan", "Nguyễn Thị Hoa (Một cửa)", [("reception", d) for d in every]),
        ("chuyenvien", "Trần Văn Minh (Chuyên viên)", [("specialist", d) for d in every]),
        ("lanhdao", "Lê Quang Hải (Lãnh đạo)", [("leader", d) for d in every]),
        ("phantich", "Phạm Thu Trang (Phân tích quy trình)", [("analyst", "*")]),
        ("kiemtoan", "Đỗ Minh Tuấn (Kiểm tra)", [("auditor", "*")]),
        ("congdan", "Nguyễn Văn An", [("citizen", "*")]),
    ]


def seed(sessions: sessionmaker[Session], log=click.echo) -> None:
    with transaction(sessions) as s:
        for r in procedures.deploy_path(s, config.processes_dir(), "demo"):
            log(f"  procedure {r.code} v{r.version} ({'new' if r.created else 'unchanged'})")
        fresh = not s.scalar(select(func.count()).select_from(Dossier))
        if fresh:
            for username, name, roles in demo_users(set(known_departments(s))):
                create_user(s, username, name, DEMO_PASSWORD, roles, by="demo")
    demo_keys(sessions, log)  # again on a later start: keys a newer version needs
    if not fresh:
        return
    scenarios = all_scenarios()
    for name, path, steps in DEMO_DOSSIERS:
        if name in scenarios and path in scenarios[name].paths:
            code = drive(sessions, scenarios[name], path, steps=steps)
            log(f"  dossier {code}: {name} / {path}" + (f" (first {steps} steps)" if steps is not None else ""))
    for name, path in DEMO_UNPAID:
        if name in scenarios:
            code = drive(sessions, scenarios[name], path, steps=0, pay=False)
            log(f"  dossier {code}: {name}, waiting for its fee")


DEMO_SIGNERS = {"lanhdao": "Phó Chủ tịch", "chuyenvien": "Công chức Tư pháp - Hộ tịch"}
DEMO_ORGANISATION = "Ủy ban nhân dân phường Hoàn Kiếm"


def demo_keys(sessions: sessionmaker[Session], log=click.echo) -> None:
    """The local PKI, a signing key for each demo officer who signs (passphrase: the
    demo password) and one for each agency."""
    signing_keys.init("motcua demo")
    with transaction(sessions) as s:
        agencies = {v.settings["agency"]: v.settings.get("agency_name_vi") or v.settings["agency"]
                    for v in s.scalars(select(ProcedureVersion)) if not v.settings.get("shared")}
        for username, title in DEMO_SIGNERS.items():
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                continue
            if not signing_keys.has_key(username):
                signing_keys.issue(user, DEMO_PASSWORD, DEMO_ORGANISATION, title)
                log(f"  signing key for {username} ({title})")
            # the demo's officers serve every demo agency: a certificate of each
            for agency, name in sorted(agencies.items()):
                if name != DEMO_ORGANISATION and not signing_keys.has_key(username, agency):
                    signing_keys.issue(user, DEMO_PASSWORD, name, title, agency)
                    log(f"  signing key for {username} at {name}")
    for agency, name in sorted(agencies.items()):
        if not organisation_keys.has_key(agency):
            organisation_keys.issue(agency, name)
            log(f"  organisation signing key for {agency} ({name})")


def run_demo(host: str, port: int, seed_only: bool) -> None:
    # The demo opts in to its parts (sandbox bank, mailbox, stand-in portal, local PKI
    # endpoints); the in-process worker reaches the sandbox bank at the public URL.
    settings = config.current()
    config.install(replace(settings, demo=True,
                           public_url=settings.public_url or demo_url(host, port)))
    sessions = factory()
    demo_tables.create(sessions.kw["bind"])
    click.echo(f"motcua demo — database {config.database_url()}")
    mail_server = None if seed_only else start_demo_delivery(sessions, host, port)
    seed(sessions)
    sealed = seal_now(sessions, utcnow())  # so the auditor's page has a seal to show
    if sealed is not None:
        click.echo(f"  sealed today's event logs of {sealed.leaves} dossier(s)")
    if seed_only:
        return
    from apscheduler.schedulers.background import BackgroundScheduler

    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler()
    scheduler.add_job(lambda: run_once(sessions), "interval", seconds=2, max_instances=1,
                      coalesce=True)
    scheduler.add_job(lambda: hourly_duties(sessions), "interval", hours=1, max_instances=1,
                      coalesce=True, next_run_time=datetime.now(UTC))
    scheduler.add_job(lambda: daily_duties(sessions), "cron", hour=1, minute=0,
                      timezone=VIETNAM_TZ, max_instances=1, coalesce=True)
    scheduler.start()
    url = f"http://{host}:{port}/"
    click.echo(f"\nServing {url}  (worker in-process: jobs and timers every 2 s, deadline reminders hourly; Ctrl-C to stop)")
    click.echo(f"Demo accounts, password '{DEMO_PASSWORD}':")
    with transaction(sessions) as s:
        for username, name, roles in demo_users(set(known_departments(s))):
            click.echo(f"  {username:11} {name:38} {', '.join(sorted({r for r, _ in roles}))}")
    click.echo(f"Sign in at {url}login with one of the accounts above; the tracking board is at {url}board")
    try:
        create_app(sessions, SESSION_COOKIE_SECURE=False, DEMO=True).run(
            host=host, port=port, use_reloader=False)
    finally:
        scheduler.shutdown(wait=False)
        if mail_server is not None:
            mail_server.stop()


def demo_url(host: str, port: int) -> str:
    """The address this run of the demo serves, as a browser on this machine opens it."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def start_demo_delivery(sessions: sessionmaker[Session], host: str, port: int):
    """Mail goes to the embedded SMTP server (the demo mailbox), status updates
    to the app's own stand-in portal; links in messages point at this server."""
    from .demo_mail import start_mail_server

    server = start_mail_server(sessions)
    settings = config.current()
    config.install(replace(
        settings, smtp={"host": server.hostname, "port": server.port, "security": "none",
                        "user": None, "password": None, "timeout": 30.0},
        portal_sync_url=settings.portal_sync_url or f"{demo_url(host, port)}/demo/portal"))
    click.echo(f"Demo mail: SMTP {server.hostname}:{server.port} → http://{host}:{port}/demo/mailbox")
    return server
