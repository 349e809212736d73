"""message.deliver: a message one dossier's workflow threw (a message throw or end event,
a send task), given to the dossier waiting for it. The payload names that dossier by
`dossier_code` or `reference`; a message no single dossier waits for is kept for
administrators, like one from outside. A message that names no dossier files a new
dossier of the procedure it starts (its payload carries the `application`). The job's
key makes a retried delivery one message.

signal.broadcast: a signal one dossier's workflow threw, given to every other dossier
waiting for it (the thrower's own waits caught it when it was thrown); the job's key
makes a retried broadcast reach nobody twice."""

from __future__ import annotations

from typing import Any

from engine.db import transaction
from engine.dossiers import messages
from engine.errors import InvalidInput
from engine.models import Dossier
from engine.procedures.operators import BusinessError, JobContext, register


@register("message.deliver")
def deliver(ctx: JobContext) -> dict[str, Any]:
    name, payload = str(ctx.params["name"]), dict(ctx.params.get("payload") or {})
    correlation = messages.correlation_of(payload)
    with transaction(ctx.sessions) as session:
        try:
            message = messages.receive(session, name, correlation, payload,
                                       source=f"dossier:{ctx.dossier_code}",
                                       key=ctx.idempotency_key)
        except InvalidInput as refused:  # names no dossier, starts no procedure
            raise BusinessError("message_not_taken", str(refused)) from None
        dossier = session.get(Dossier, message.dossier_id) if message.dossier_id else None
        return {"message_id": message.id, "status": message.status, "dossier": dossier.code if dossier else None}


@register("signal.broadcast")
def broadcast(ctx: JobContext) -> dict[str, Any]:
    name, payload = str(ctx.params["name"]), dict(ctx.params.get("payload") or {})
    with transaction(ctx.sessions) as session:
        reached = messages.broadcast_signal(session, name, payload,
                                            source=f"dossier:{ctx.dossier_code}",
                                            key=ctx.idempotency_key, thrower=ctx.dossier_code)
        return {"dossiers": reached}
