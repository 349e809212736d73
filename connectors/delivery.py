"""result.deliver: the result is published to the applicant's portal download."""

from __future__ import annotations

from typing import Any

from engine.operators import JobContext, register


@register("result.deliver")
def deliver(ctx: JobContext) -> dict[str, Any]:
    documents = [v["document"] for v in ctx.data.values()
                 if isinstance(v, dict) and isinstance(v.get("document"), str)]
    return {"channel": "portal", "available": bool(documents), "documents": documents}
