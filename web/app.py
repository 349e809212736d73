"""The Flask application. Until the actor blueprints land, it serves the
demo's status page: procedures, dossiers and open tasks, read-only."""

from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import procedures
from engine.db import transaction
from engine.models import Dossier, HumanTask, Incident
from engine.status import STATUS_NAMES, portal_code


def create_app(sessions: sessionmaker[Session]) -> Flask:
    app = Flask(__name__)
    app.config["SESSIONS"] = sessions

    @app.get("/")
    def index() -> str:
        with transaction(sessions) as s:
            versions = procedures.list_versions(s)
            dossiers = list(s.scalars(select(Dossier).order_by(Dossier.id.desc()).limit(100)))
            tasks = list(s.execute(
                select(HumanTask, Dossier.code).join(Dossier).where(HumanTask.state == "open")
                .order_by(HumanTask.due_date, HumanTask.id)))
            incidents = s.scalar(select(func.count()).select_from(Incident)
                                 .where(Incident.resolved_at.is_(None)))
            return render_template(
                "status.html", versions=versions, dossiers=dossiers, tasks=tasks,
                incidents=incidents, status_names=STATUS_NAMES, portal_code=portal_code)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return app
