"""result.render: the procedure's result template rendered and stored by sha256.

Renders HTML for now; the PDF engine and the QR code come with signing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from engine import blobs
from engine.operators import JobContext, register

_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=256)
def _template(source: str) -> jinja2.Template:
    return _env.from_string(source)


@register("result.render")
def render(ctx: JobContext) -> dict[str, Any]:
    name = ctx.params.get("template") or ctx.settings.get("result_template")
    source = ctx.files.get(f"templates/{name}")
    if source is None:
        raise ValueError(f"template {name!r} is not in the procedure bundle")
    html = _template(source).render(
        dossier=ctx.dossier, application=ctx.dossier["application"], procedure=ctx.settings,
        decision=ctx.data,
    )
    data = html.encode("utf-8")
    return {"document": blobs.put(data), "media_type": "text/html", "bytes": len(data),
            "template": name}
