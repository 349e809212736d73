"""result.render: the procedure's result template (Jinja2 → HTML → PDF/A-2b), with a QR
code linking to the public verification page and an empty signature field where the
template reserves it (and one for the organisation's own signature where it reserves
`id="seal-box"`). With the parameter `draft`, a watermarked draft for the leader
to read before signing (no signature field)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
import segno

from engine import blobs, config
from engine.operators import JobContext, register

from .pdf import SEAL_ANCHOR, SIGNER_ANCHOR, RenderError, html_to_pdf

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


@lru_cache(maxsize=256)
def _template(source: str) -> jinja2.Template:
    return _env.from_string(source)


def verification_url(dossier_code: str) -> str:
    return f"{config.public_url()}/xac-minh?{urlencode({'ma': dossier_code})}"


@register("result.render")
def render(ctx: JobContext) -> dict[str, Any]:
    name = ctx.params.get("template") or ctx.settings.get("result_template")
    draft = bool(ctx.params.get("draft", False))
    source = ctx.files.get(f"templates/{name}")
    if source is None:
        raise RenderError(f"template {name!r} is not in the procedure bundle")
    decision = dict(ctx.data)
    if not draft and not decision.get("ngay_ky"):
        decision["ngay_ky"] = datetime.now(VIETNAM).date().isoformat()  # the day it is issued
    qr = segno.make(verification_url(ctx.dossier_code), error="m")
    html = _template(source).render(
        dossier=ctx.dossier, application=ctx.dossier["application"], procedure=ctx.settings,
        decision=decision, qr_data_uri=qr.png_data_uri(scale=6, border=1),
    )
    rendered = html_to_pdf(html, draft=draft)
    digest = blobs.put(rendered.pdf)
    result: dict[str, Any] = {
        "document": digest, "media_type": "application/pdf", "bytes": len(rendered.pdf),
        "pages": rendered.pages, "template": name, "draft": draft, "pdf_variant": "PDF/A-2b",
    }
    if not draft:
        for anchor, key in ((SIGNER_ANCHOR, "signature_field"), (SEAL_ANCHOR, "seal_field")):
            if anchor in rendered.fields:
                result[key] = rendered.fields[anchor].name
    return result
