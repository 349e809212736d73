"""result.deliver: the result is published to the applicant's portal download."""

from __future__ import annotations

from typing import Any

from engine.operators import JobContext, register


@register("result.deliver")
def deliver(ctx: JobContext) -> dict[str, Any]:
    made = [v for v in ctx.data.values() if isinstance(v, dict) and isinstance(v.get("document"), str)]
    # drafts stay inside; an unsigned result is superseded by its signed version
    superseded = {v.get("unsigned_document") for v in made}
    documents = [v["document"] for v in made
                 if not v.get("draft") and v["document"] not in superseded]
    return {"channel": "portal", "available": bool(documents), "documents": documents}
