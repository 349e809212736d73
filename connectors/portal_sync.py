"""portal.sync: report status changes to the national public-service portal.

Each status change is a numbered update (engine/dossiers/status_jobs.py), sent by a
side job of kind "portal_update" (engine/dossiers/side_jobs.py). A job sends
every update of its dossier not yet acknowledged, in sequence order, and stops
at the first that is not acknowledged: the portal never sees update n+1
before update n, whichever job runs first or however often. An update counts
as delivered only on HTTP 2xx with a JSON body `{"ack": true, "seq": n}`; it
is acknowledged once. The request carries `Idempotency-Key: <code>/<seq>` so
the portal can drop a copy sent again after a lost answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import select

from engine import config
from engine.db import transaction
from engine.models import Dossier, PortalUpdate, utcnow
from engine.procedures.operators import JobContext, RetryableError, register

TIMEOUT = 10.0


def post(url: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """POST one update; return the acknowledgement or raise RetryableError."""
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "Idempotency-Key": key}
    token = config.portal_sync_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise RetryableError(f"portal answered HTTP {exc.code} for {key}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise RetryableError(f"portal unreachable for {key}: {exc}") from exc
    try:
        ack = json.loads(raw or b"null")
    except ValueError as exc:
        raise RetryableError(f"portal answered without a JSON acknowledgement for {key}") from exc
    if not isinstance(ack, dict) or ack.get("ack") is not True or ack.get("seq") != body["seq"]:
        raise RetryableError(f"portal did not acknowledge {key}: {str(ack)[:200]}")
    return ack


@register("portal.sync")
def sync(ctx: JobContext) -> dict[str, Any]:
    url = config.portal_sync_url()
    if not url:
        raise RetryableError("MOTCUA_PORTAL_SYNC_URL is not set")
    if ctx.sessions is None:
        raise RuntimeError("portal.sync needs the database")
    with transaction(ctx.sessions) as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == ctx.dossier_code))
        pending = [(u.id, u.seq, u.body) for u in session.scalars(
            select(PortalUpdate).where(PortalUpdate.dossier_id == dossier_id,
                                       PortalUpdate.acked_at.is_(None))
            .order_by(PortalUpdate.seq))]
    acked: list[int] = []
    for update_id, seq, body in pending:
        key = f"{ctx.dossier_code}/{seq}"
        try:
            ack = post(url, body, key)
        except RetryableError as exc:
            _record(ctx, update_id, None, str(exc))
            raise
        _record(ctx, update_id, ack, None)
        acked.append(seq)
    return {"acked": acked, "endpoint": url}


def _record(ctx: JobContext, update_id: int, ack: dict[str, Any] | None, error: str | None) -> None:
    with transaction(ctx.sessions) as session:
        row = session.get(PortalUpdate, update_id, with_for_update=True)
        if row is None or row.acked_at is not None:
            return  # acknowledged by another job meanwhile: once is enough
        row.attempts += 1
        if ack is not None:
            row.acked_at, row.ack, row.last_error = utcnow(), ack, None
        else:
            row.last_error = error
