"""result.sign: no signing key is configured yet, so the result says so
(`signed: false`) instead of pretending; PAdES signing replaces this."""

from __future__ import annotations

from typing import Any

from engine.operators import JobContext, register


@register("result.sign")
def sign(ctx: JobContext) -> dict[str, Any]:
    rendered = ctx.data.get("result") or ctx.data.get("document") or {}
    return {"signed": False, "document": rendered.get("document"),
            "reason": "no signing key configured"}
