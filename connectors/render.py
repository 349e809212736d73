"""result.render: the procedure's result template (Jinja2 → HTML → PDF/A-2b), with a QR
code linking to the public verification page and an empty signature field where the
template reserves it (and one for the organisation's own signature where it reserves
`id="seal-box"`). With the parameter `draft`, a watermarked draft for the leader
to read before signing (no signature field)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import jinja2
import segno

from engine import config
from engine.db import transaction
from engine.deadlines.calendar import VIETNAM_TZ as VIETNAM
from engine.documents import blobs
from engine.documents.registers import number_for
from engine.procedures.bundle_templates import bundle_environment
from engine.procedures.numbering import numbering_of
from engine.procedures.operators import JobContext, register

from .pdf import SEAL_ANCHOR, SIGNER_ANCHOR, RenderError, html_to_pdf

_env = bundle_environment()


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
    numbering = None
    if not draft:
        stated = decision.get("ngay_ky")
        issued_on = stated or datetime.now(VIETNAM).date().isoformat()
        numbering = _register_entry(ctx, issued_on)
        # the day it is issued: the day its number was given, if this is a retry
        decision["ngay_ky"] = stated or (numbering["issued_on"] if numbering else issued_on)
    qr = segno.make(verification_url(ctx.dossier_code), error="m")
    html = _template(source).render(
        dossier=ctx.dossier, application=ctx.dossier["application"], procedure=ctx.settings,
        decision=decision, numbering=numbering, qr_data_uri=qr.png_data_uri(scale=6, border=1),
    )
    rendered = html_to_pdf(html, draft=draft)
    digest = blobs.put(rendered.pdf)
    result: dict[str, Any] = {
        "document": digest, "media_type": "application/pdf", "bytes": len(rendered.pdf),
        "pages": rendered.pages, "template": name, "draft": draft, "pdf_variant": "PDF/A-2b",
    }
    if numbering:
        result.update(document_number=numbering["text"], register=numbering["register"],
                      register_book=numbering["book"])
    if not draft:
        for anchor, key in ((SIGNER_ANCHOR, "signature_field"), (SEAL_ANCHOR, "seal_field")):
            if anchor in rendered.fields:
                result[key] = rendered.fields[anchor].name
    return result


def _register_entry(ctx: JobContext, issued_on: str) -> dict[str, Any] | None:
    """The result's number in the agency's register (given once per dossier), when the
    procedure numbers its results."""
    numbering = numbering_of(ctx.settings)
    if numbering is None:
        return None
    if ctx.sessions is None:
        raise RenderError("numbered results need the database to give the number")
    try:
        on = date.fromisoformat(str(issued_on)[:10])
    except ValueError:
        raise RenderError(f"the date of issue {issued_on!r} is not a date") from None
    with transaction(ctx.sessions) as session:
        entry = number_for(session, dossier_code=ctx.dossier_code,
                           procedure_code=ctx.procedure_code, agency=ctx.settings["agency"],
                           numbering=numbering, on=on)
        return {"number": entry.number, "year": entry.year, "text": entry.text,
                "book": entry.book, "register": entry.register,
                "issued_on": entry.issued_on.isoformat()}
