"""`motcua config check`: the effective settings, secrets masked, and every problem."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from engine import config, db, migrate

from .startup import unfit


@click.group("config")
def config_group() -> None:
    """Settings (environment and the MOTCUA_CONFIG file)."""


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Print the effective settings (secrets masked) and every problem a process would
    refuse to start with; exits 1 when there is any."""
    settings: config.Settings = ctx.find_root().obj
    click.echo(f"mode: {'demo' if settings.demo else 'production'}")
    for shown in settings.shown:
        click.echo(f"  {shown.name:30} {shown.value or '-'}  ({shown.source})")
    problems = list(settings.problems)
    if not problems:
        problems = _with_database(settings)
    if not problems:
        click.echo("no problems")
        return
    click.secho(f"{len(problems)} problem(s):", fg="red", err=True)
    for problem in problems:
        click.secho(f"  - {problem}", fg="red", err=True)
    sys.exit(1)


def _with_database(settings: config.Settings) -> list[str]:
    """The problems of these settings, those that depend on what is deployed included
    when the database answers with the current schema."""
    engine = db.make_engine(config.database_url())
    try:
        migrate.require_head(engine)
        return unfit(settings, db.session_factory(engine))
    except migrate.SchemaNotCurrent as exc:
        return [*unfit(settings, None), str(exc.message)]
    except SQLAlchemyError as exc:
        return [*unfit(settings, None),
                f"MOTCUA_DATABASE_URL: the database does not answer ({type(exc).__name__})"]
    finally:
        engine.dispose()
