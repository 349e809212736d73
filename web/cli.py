"""The `motcua` command line."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from connectors.audit_seal import seal_now
from engine import config
from engine.audit import events
from engine.audit.events import verify_chain
from engine.db import transaction
from engine.deadlines.calendar_store import set_day
from engine.dossiers import runner
from engine.dossiers.replay import replay
from engine.errors import MotcuaError
from engine.models import Dossier, HumanTask, Job, utcnow
from engine.outbox import outbox
from engine.outbox.worker import run_once
from engine.procedures import procedures
from engine.status import STATUS_NAMES, portal_code

from .seal_checks import seal_verdicts
from .services import factory


def _fail(exc: MotcuaError) -> None:
    click.secho(str(exc), fg="red", err=True)
    sys.exit(2 if exc.http_status == 409 else 1)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MotcuaError as exc:
            _fail(exc)
        except config.SettingsError as exc:
            for problem in exc.problems:
                click.secho(problem, fg="red", err=True)
            click.secho("(every problem: `motcua config check`)", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """motcua: run government administrative procedures end to end."""
    ctx.obj = config.load()  # the settings, read once for the command
    before = config.install(ctx.obj)
    ctx.call_on_close(lambda: config.install(before))


def _address(value: str | None) -> tuple[str, int] | None:
    try:
        return config.parse_address(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--metrics-bind") from exc


def _json_arg(value: str) -> dict[str, Any]:
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise click.BadParameter("expected a JSON object")
    return data


# -- db ---------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema. The only command that
    migrates; safe to run twice at once (on PostgreSQL the second waits for the first)."""
    from sqlalchemy.engine import make_url

    from engine import migrate
    from engine.db import make_engine

    url = config.database_url()
    engine = make_engine(url)
    try:
        before = migrate.upgrade(engine)
    finally:
        engine.dispose()
    where = make_url(url).render_as_string(hide_password=True)
    head = migrate.head()
    if before == head:
        click.echo(f"database already at the newest schema ({head}), nothing to do: {where}")
    else:
        click.echo(f"database migrated from {before or 'an empty database'} to {head}: {where}")


# -- serve ------------------------------------------------------------------------

@main.command("serve")
@click.option("--bind", help="Where to listen: HOST:PORT or unix:PATH "
              "[MOTCUA_WEB_BIND, 127.0.0.1:8000].")
@click.option("--workers", type=click.IntRange(min=1),
              help="Processes [MOTCUA_WEB_WORKERS, 2].")
@click.option("--threads", type=click.IntRange(min=1),
              help="Threads in each process [MOTCUA_WEB_THREADS, 4].")
@click.option("--timeout", type=click.FloatRange(min=1),
              help="Seconds a request may take before its process is restarted "
                   "[MOTCUA_WEB_TIMEOUT, 120].")
def serve(bind: str | None, workers: int | None, threads: int | None,
          timeout: float | None) -> None:
    """Serve the web app under gunicorn until SIGTERM/SIGINT. Refuses to start on a
    database whose schema is not this code's (run `motcua db upgrade`); behind a reverse
    proxy set MOTCUA_PROXY_HEADERS=1."""
    import dataclasses

    from .serve import serve as run_server
    from .startup import sessions_at_head

    settings = config.web_settings()
    given: dict[str, Any] = {"bind": bind, "workers": workers, "threads": threads,
                             "timeout_seconds": timeout}
    settings = dataclasses.replace(settings, **{k: v for k, v in given.items() if v is not None})
    sessions_at_head().kw["bind"].dispose()  # refuse before anything listens
    run_server(settings)


# -- procedures -------------------------------------------------------------------

@main.group("procedures")
def procedures_group() -> None:
    """Procedure bundles and their versions."""


@procedures_group.command("deploy")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--by", "deployed_by", default="cli", help="Who deploys (recorded).")
@click.option("--update-callers", is_flag=True,
              help="Also give each procedure that calls a deployed shared sub-procedure a "
                   "new version calling its newest version (listed first).")
def procedures_deploy(path: Path | None, deployed_by: str, update_callers: bool) -> None:
    """Validate bundles under PATH (default: processes/) and store changed ones as new versions."""
    with transaction(factory()) as session:
        results = procedures.deploy_path(session, path or config.processes_dir(), deployed_by)
        for r in results:
            what = "new version" if r.created else "unchanged"
            click.echo(f"{r.code:24} v{r.version:<3} {r.content_hash[:12]}  {what}")
        for shared in sorted({r.code for r in results}):
            behind = procedures.callers_behind(session, shared)
            for b in behind:
                click.echo(f"{b.code:24} calls {shared} v{b.pinned} (newest v{b.newest}): "
                           + ("new version calling the newest" if update_callers
                              else "unchanged; --update-callers moves it"))
            if update_callers:
                for r in procedures.update_callers(session, shared, deployed_by):
                    click.echo(f"{r.code:24} v{r.version:<3} {r.content_hash[:12]}  new version")


@procedures_group.command("list")
def procedures_list() -> None:
    """Every procedure with its versions, content hash and deploy time."""
    with transaction(factory()) as session:
        rows = procedures.list_versions(session)
        click.echo(f"{'CODE':24} {'VER':4} {'HASH':12}  {'DEPLOYED (UTC)':16}  NAME")
        for v in rows:
            click.echo(f"{v.procedure.code:24} v{v.version:<3} {v.content_hash[:12]}  "
                       f"{v.deployed_at:%Y-%m-%d %H:%M}  {v.procedure.name_vi}")


@procedures_group.command("show")
@click.argument("code")
@click.option("--version", "version_no", type=int, help="A version number (default: newest).")
def procedures_show(code: str, version_no: int | None) -> None:
    """A procedure version: deadline, fees, documents, tasks."""
    with transaction(factory()) as session:
        version = procedures.latest_version(session, code)
        if version_no is not None:
            matches = [v for v in version.procedure.versions if v.version == version_no]
            if not matches:
                raise click.BadParameter(f"{code} has no version {version_no}")
            version = matches[0]
        proc = procedures.load_version(session, version.id)
        s = proc.settings
        click.echo(f"{code} v{version.version}  {version.content_hash}")
        click.echo(f"  {s['name_vi']} / {s['name_en']}")
        click.echo(f"  agency {s['agency']}, level {s.get('level', '-')}, "
                   f"legal deadline {s['legal_deadline_working_days']} working days")
        fees = s.get("fees", {})
        click.echo("  fees: " + ", ".join(f"{c} {fees.get(c, 0):,} đ" for c in ("online", "counter", "postal")))
        for doc in s.get("documents", []):
            click.echo(f"  document: {doc.get('name_vi')}{' (required)' if doc.get('required') else ''}")
        for info in proc.tasks.values():
            if info.kind in ("user", "service"):
                who = info.role or info.operator
                click.echo(f"  {info.kind:7} {info.element_id:28} {who:12} {info.name}")


# -- dossiers ---------------------------------------------------------------------

@main.group("dossiers")
def dossiers_group() -> None:
    """Dossiers (hồ sơ)."""


@dossiers_group.command("submit")
@click.argument("procedure")
@click.option("--data", "data", required=True, help="Application as JSON, or @file.json.")
@click.option("--channel", type=click.Choice(["online", "counter", "postal"]), default="online")
@click.option("--actor", default="citizen", help="Who submits (recorded).")
def dossiers_submit(procedure: str, data: str, channel: str, actor: str) -> None:
    """Submit a dossier for PROCEDURE."""
    with transaction(factory()) as session:
        dossier = runner.submit(session, procedure, _json_arg(data), actor=actor, channel=channel,
                                applicant_user=actor)
        click.echo(f"{dossier.code}  {dossier.status}  fee {dossier.fee_amount:,} đ")


@dossiers_group.command("list")
@click.option("--status", help="Only dossiers in this status.")
@click.option("--limit", default=50, show_default=True)
def dossiers_list(status: str | None, limit: int) -> None:
    """Dossiers, newest first."""
    with transaction(factory()) as session:
        query = select(Dossier).order_by(Dossier.id.desc()).limit(limit)
        if status:
            query = query.where(Dossier.status == status)
        for d in session.scalars(query):
            due = d.appointment_date.strftime("%d/%m/%Y") if d.appointment_date else "-"
            click.echo(f"{d.code:28} {d.status:22} due {due:10}  {d.applicant_name or ''}")


@dossiers_group.command("show")
@click.argument("code")
def dossiers_show(code: str) -> None:
    """A dossier: status, deadline, tasks, and its event log."""
    with transaction(factory()) as session:
        d = runner.get_dossier(session, code)
        vi, _ = STATUS_NAMES[d.status]
        click.echo(f"{d.code}  {d.procedure_version.label}  channel {d.channel}")
        click.echo(f"  status {d.status} ({vi}; portal {portal_code(d.status, d.received_at is not None)})")
        click.echo(f"  applicant {d.applicant_name or '-'}  fee {d.fee_amount:,} đ")
        if d.appointment_date:
            click.echo(f"  received {d.received_at:%d/%m/%Y %H:%M} UTC, appointment "
                       f"{d.appointment_date:%d/%m/%Y}, paused {d.paused_working_days} working days")
        click.echo("  tasks:")
        for t in session.scalars(select(HumanTask).where(HumanTask.dossier_id == d.id).order_by(HumanTask.id)):
            due = t.due_date.strftime("%d/%m/%Y") if t.due_date else "-"
            tail = f"by {t.completed_by} ({t.timeliness or '-'})" if t.state == "completed" else ""
            click.echo(f"    #{t.id:<5} {t.element_id:26} {t.role:11} {t.state:10} due {due:10} {tail}")
        click.echo("  events:")
        for e in events.history(session, d.id):
            click.echo(f"    {e.seq:>3} {e.at:%d/%m %H:%M:%S} {e.type:18} {e.actor:22} "
                       f"{json.dumps(e.payload, ensure_ascii=False)[:90]}")


# -- tasks ------------------------------------------------------------------------

@main.group("tasks")
def tasks_group() -> None:
    """Human tasks (the officers' and citizens' inbox)."""


@tasks_group.command("list")
@click.option("--role", help="reception, specialist, leader or citizen.")
@click.option("--department")
@click.option("--dossier", "dossier_code")
def tasks_list(role: str | None, department: str | None, dossier_code: str | None) -> None:
    """Open tasks, the most urgent first."""
    with transaction(factory()) as session:
        query = (select(HumanTask, Dossier.code).join(Dossier)
                 .where(HumanTask.state == "open").order_by(HumanTask.due_date, HumanTask.id))
        if role:
            query = query.where(HumanTask.role == role)
        if department:
            query = query.where(HumanTask.department == department)
        if dossier_code:
            query = query.where(Dossier.code == dossier_code)
        for t, code in session.execute(query):
            due = t.due_date.strftime("%d/%m/%Y") if t.due_date else "-"
            click.echo(f"#{t.id:<5} {code:28} {t.element_id:26} {t.role:11} {t.department:10} "
                       f"due {due:10} form {t.form}")


@tasks_group.command("complete")
@click.argument("task")
@click.option("--data", "data", default="{}", help="Form data as JSON, or @file.json.")
@click.option("--actor", required=True, help="Who completes the task (recorded).")
def tasks_complete(task: str, data: str, actor: str) -> None:
    """Complete TASK (its #id) with form data."""
    with transaction(factory()) as session:
        dossier = runner.complete_task(session, task.lstrip("#"), _json_arg(data), actor=actor)
        click.echo(f"{dossier.code}  now {dossier.status}")


# -- worker and incidents -----------------------------------------------------------

@main.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option("--poll", "--interval", "poll", type=float,
              help="Seconds between polls for due jobs and timers [MOTCUA_WORKER_POLL, 1].")
@click.option("--batch", type=int, help="Jobs claimed at a time [MOTCUA_WORKER_BATCH, 20].")
@click.option("--lease", type=float,
              help="Seconds a claimed job stays ours without renewal [MOTCUA_WORKER_LEASE, 300].")
@click.option("--grace", type=float,
              help="Seconds to finish the job in hand on SIGTERM [MOTCUA_WORKER_GRACE, 30].")
@click.option("--name", help="Worker name recorded on claimed jobs (default host:pid).")
@click.option("--metrics-bind", "metrics_bind",
              help="host:port where this worker serves its Prometheus counters "
                   "[MOTCUA_WORKER_METRICS_BIND; unset: not served].")
def worker(once: bool, poll: float | None, batch: int | None, lease: float | None,
           grace: float | None, name: str | None, metrics_bind: str | None) -> None:
    """Run outbox jobs, due timers and deadline reminders until SIGTERM/SIGINT. Refuses
    to start on a database whose schema is not this code's (run `motcua db upgrade`).
    Logs one line per job (JSON with MOTCUA_LOG_FORMAT=json)."""
    import dataclasses
    import logging
    from datetime import timedelta

    from engine.outbox.worker_loop import WorkerLoop

    from .observability import configure_logging, serve_worker_metrics

    settings = config.worker_settings()
    given: dict[str, Any] = {"poll_seconds": poll, "batch": batch, "lease_seconds": lease,
                             "grace_seconds": grace,
                             "metrics_bind": _address(metrics_bind)}
    settings = dataclasses.replace(settings, **{k: v for k, v in given.items() if v is not None})
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    configure_logging(config.log_format(), sys.stdout)
    from .startup import sessions_at_head

    sessions = sessions_at_head()  # refuses a schema other than this code's
    if settings.metrics_bind and not once:
        click.echo(f"worker metrics at {serve_worker_metrics(*settings.metrics_bind)}")
    if once:
        click.echo(str(run_once(sessions, name, settings.batch,
                                lease=timedelta(seconds=settings.lease_seconds))))
        return
    sys.exit(WorkerLoop(sessions, settings, name).run())


@main.group("incidents", invoke_without_command=True)
@click.pass_context
def incidents(ctx: click.Context) -> None:
    """Open incidents: jobs that could not finish by themselves."""
    if ctx.invoked_subcommand:
        return
    with transaction(factory()) as session:
        rows = outbox.open_incidents(session)
        if not rows:
            click.echo("no open incidents")
        for i in rows:
            code = session.get(Dossier, i.dossier_id).code  # type: ignore[union-attr]
            what = i.operator or i.source
            click.echo(f"#{i.id:<4} {i.created_at:%d/%m/%Y %H:%M} {code:28} {what:16} "
                       f"{i.element_id or '':20} {i.reason}")


@incidents.command("retry")
@click.argument("incident_id", type=int)
@click.option("--actor", default="admin")
def incidents_retry(incident_id: int, actor: str) -> None:
    """Queue the incident's job again, or make its timer due again; an incident of an
    input a person gave is marked resolved (they give it again)."""
    with transaction(factory()) as session:
        again = outbox.retry_incident(session, incident_id, actor)
        if isinstance(again, Job):
            click.echo(f"job {again.id} ({again.operator}) queued again")
        elif again is not None:
            click.echo(f"timer {again.id} ({again.element_id}) due again")
        else:
            click.echo(f"incident {incident_id} resolved")


# -- payments ----------------------------------------------------------------------

@main.group("payments")
def payments_group() -> None:
    """Fee payments."""


@payments_group.command("reconcile")
@click.option("--date", "day", help="Day to check, dd/mm/yyyy (default: today, Vietnam time).")
@click.option("--no-gateway", is_flag=True, help="Do not ask the gateway (records only).")
def payments_reconcile(day: str | None, no_gateway: bool) -> None:
    """Compare the day's payments with dossiers and the gateway; list mismatches."""
    from datetime import datetime

    from connectors.payment.reconcile import reconcile_day
    from engine.deadlines.calendar import VIETNAM_TZ

    try:
        chosen = (datetime.strptime(day, "%d/%m/%Y").date() if day
                  else datetime.now(VIETNAM_TZ).date())
    except ValueError as exc:
        raise click.BadParameter("expected dd/mm/yyyy", param_hint="--date") from exc
    with transaction(factory()) as session:
        found = reconcile_day(session, chosen, ask_gateway=not no_gateway)
    if not found:
        click.echo(f"{chosen:%d/%m/%Y}: no mismatches")
        return
    click.echo(f"{chosen:%d/%m/%Y}: {len(found)} mismatch(es)")
    for mismatch in found:
        click.echo(f"  {mismatch}")
    sys.exit(1)


# -- audit ------------------------------------------------------------------------

@main.group()
def audit() -> None:
    """Verify event chains and replay dossier histories."""


def _dossiers(session: Any, code: str | None) -> list[Dossier]:
    if code:
        return [runner.get_dossier(session, code)]
    return list(session.scalars(select(Dossier).order_by(Dossier.id)))


@audit.command("verify")
@click.argument("code", required=False)
def audit_verify(code: str | None) -> None:
    """Recompute the hash chain of CODE (or of every dossier), and check every seal over it."""
    bad = 0
    with transaction(factory()) as session:
        for d in _dossiers(session, code):
            report = verify_chain(session, d)
            bad += not report.ok
            click.secho(str(report), fg=None if report.ok else "red")
            for verdict in seal_verdicts(session, d):
                proof, token = verdict.proof, verdict.token
                bad += not verdict.ok
                why = ("" if verdict.ok else " — " + "; ".join(filter(None, [
                    None if proof.event_matches else f"event {proof.seq} no longer has the sealed hash",
                    None if proof.root_matches else "the seal's leaves no longer make its root",
                    token.reason])))
                click.secho(f"  sealed {proof.day:%d/%m/%Y} up to event {proof.seq}: "
                            f"{'intact' if verdict.ok else 'BROKEN'}{why}",
                            fg=None if verdict.ok else "red")
    sys.exit(1 if bad else 0)


@audit.command("seal")
def audit_seal() -> None:
    """Seal today's event logs now (the worker does it daily): timestamp the Merkle root
    of every dossier's chain head that changed since the last seal."""
    seal = seal_now(factory(), utcnow())
    if seal is None:
        click.echo("nothing to seal: today is sealed already, or no log grew since the last seal")
        return
    click.echo(f"sealed {seal.leaves} dossier log(s) on {seal.day:%d/%m/%Y}: root {seal.root}")


@audit.command("replay")
@click.argument("code", required=False)
def audit_replay(code: str | None) -> None:
    """Re-run CODE's pinned procedure version on its recorded inputs (or every dossier's)."""
    bad = 0
    with transaction(factory()) as session:
        for d in _dossiers(session, code):
            report = replay(session, d)
            bad += not report.consistent
            click.secho(str(report), fg=None if report.consistent else "red")
    sys.exit(1 if bad else 0)


# -- calendar ---------------------------------------------------------------------

@main.command("calendar")
@click.argument("kind", type=click.Choice(["off", "working"]))
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--note")
def calendar_cmd(kind: str, day: Any, note: str | None) -> None:
    """Declare DAY an extra day off or a make-up working day."""
    with transaction(factory()) as session:
        set_day(session, date(day.year, day.month, day.day), kind, note)
    click.echo(f"{day:%d/%m/%Y} is now a {'day off' if kind == 'off' else 'working day'}")


# -- demo -------------------------------------------------------------------------

@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--seed-only", is_flag=True, help="Set up the demo data and exit.")
def demo(host: str, port: int, seed_only: bool) -> None:
    """Set up the demo (database, procedures, users, dossiers) and serve it."""
    from .demo import run_demo

    run_demo(host, port, seed_only)


# -- users ------------------------------------------------------------------------

ADMIN_PASSWORD_MIN = 12


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create-admin")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="The administrator's full name.")
@click.option("--email", help="E-mail address.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def users_create_admin(username: str, full_name: str, email: str | None,
                       password_stdin: bool) -> None:
    """Create USERNAME as an administrator of every department (admin, *)."""
    import re

    from engine.accounts.accounts import create_user

    if not re.fullmatch(r"[a-z0-9._-]{3,64}", username.strip().lower()):
        raise click.BadParameter("3–64 characters: a-z, 0-9, dot, underscore, hyphen",
                                 param_hint="USERNAME")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < ADMIN_PASSWORD_MIN:
        click.secho(f"refused: the password needs at least {ADMIN_PASSWORD_MIN} characters",
                    fg="red", err=True)
        sys.exit(1)
    with transaction(factory()) as session:
        user = create_user(session, username, full_name.strip(), password, [("admin", "*")],
                           email=email, by="command line")
        click.echo(f"administrator {user.username} created")


@users_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Citizens too (default: staff only).")
def users_list(show_all: bool) -> None:
    """Accounts with their roles per department, active or not, locked or not."""
    from engine.accounts.accounts import is_locked
    from engine.models import User

    with transaction(factory()) as session:
        click.echo(f"{'USERNAME':20} {'ACTIVE':7} {'LOCKED UNTIL (UTC)':19} {'NAME':28} ROLES")
        for user in session.scalars(select(User).order_by(User.username)):
            pairs = sorted(f"{r.role}@{r.department}" for r in user.roles)
            if not show_all and all(p.startswith("citizen@") for p in pairs):
                continue
            locked = f"{user.locked_until:%Y-%m-%d %H:%M}" if is_locked(user) else "-"
            click.echo(f"{user.username:20} {'yes' if user.active else 'no':7} {locked:19} "
                       f"{user.full_name[:28]:28} {' '.join(pairs) or '-'}")


from .cli_config import config_group  # noqa: E402  (groups of their own modules)
from .cli_pki import pki_group  # noqa: E402

main.add_command(pki_group)
main.add_command(config_group)

if __name__ == "__main__":
    main()
