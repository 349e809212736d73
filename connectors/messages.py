"""message.deliver: a message one dossier's workflow threw (a message throw or end event,
a send task), given to the dossier waiting for it. The payload names that dossier by
`dossier_code` or `reference`; a message no single dossier waits for is kept for
administrators, like one from outside. The job's key makes a retried delivery one message."""

from __future__ import annotations

from typing import Any

from engine.db import transaction
from engine.dossiers import messages
from engine.procedures.operators import BusinessError, JobContext, register


@register("message.deliver")
def deliver(ctx: JobContext) -> dict[str, Any]:
    name, payload = str(ctx.params["name"]), dict(ctx.params.get("payload") or {})
    correlation = messages.correlation_of(payload)
    if not correlation:
        raise BusinessError("message_names_no_dossier",
                            f"the message {name!r} carries neither dossier_code nor reference")
    with transaction(ctx.sessions) as session:
        message = messages.receive(session, name, correlation, payload,
                                   source=f"dossier:{ctx.dossier_code}", key=ctx.idempotency_key)
        return {"message_id": message.id, "status": message.status}
