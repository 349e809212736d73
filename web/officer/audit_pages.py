"""An auditor's view of one dossier: the raw event log with its hash chain, whether the
chain is intact, and whether re-running the recorded inputs on the pinned procedure
version gives the same history; the log can be taken away as JSON and checked elsewhere."""

from __future__ import annotations

import base64
import json

from flask import Response, render_template, request
from flask_login import current_user

from engine.audit.event_types import EventType
from engine.audit.events import GENESIS, history, verify_chain
from engine.audit.seals import LEAF_RULE, seal_proofs
from engine.dossiers.replay import replay
from engine.procedures.procedures import load_version

from ..access import open_dossier
from ..documents import dossier_documents
from ..identity import db, require_role
from ..seal_checks import seal_verdicts
from . import bp
from .procedure_info import localized

AUDITS = ("auditor", "admin")
VIEWS_PARAM, SHOWN = "luot-xem", "hien"  # ?luot-xem=hien lists the looks at the dossier too
HASH_RULE = ("hash = sha256(prev_hash + canonical JSON of {dossier, seq, at, actor, type, "
             "payload}), keys sorted, separators ',' ':', UTF-8; the first prev_hash is 64 zeros")


@bp.get("/ho-so/<code>/kiem-toan", endpoint="audit")
@require_role(*AUDITS)
def audit_page(code: str) -> str:
    s = db()
    dossier = open_dossier(s, current_user, code)  # an audit is a look at the dossier too
    procedure = load_version(s, dossier.procedure_version_id)
    everything = history(s, dossier.id)
    show_views = request.args.get(VIEWS_PARAM) == SHOWN
    shown = [e for e in everything if show_views or e.type != EventType.VIEWED]
    events = [(e, json.dumps(e.payload, ensure_ascii=False, indent=1, sort_keys=True))
              for e in shown]
    return render_template(
        "officer/audit.html", dossier=dossier, events=events, event_count=len(everything),
        show_views=show_views, views=sum(e.type == EventType.VIEWED for e in everything),
        views_param=VIEWS_PARAM, shown_word=SHOWN,
        chain=verify_chain(s, dossier), replayed=replay(s, dossier),
        version=dossier.procedure_version, procedure_name=localized(procedure.settings, "name"),
        document_versions=dossier_documents(s, dossier.id), hash_rule=HASH_RULE,
        seals=seal_verdicts(s, dossier), leaf_rule=LEAF_RULE)


@bp.get("/ho-so/<code>/nhat-ky.json", endpoint="audit_log")
@require_role(*AUDITS)
def audit_log(code: str) -> Response:
    s = db()
    dossier = open_dossier(s, current_user, code)
    version = dossier.procedure_version
    body = {
        "dossier": dossier.code,
        "procedure": {"code": version.procedure.code, "version": version.version,
                      "content_hash": version.content_hash},
        "hash_rule": HASH_RULE,
        "genesis": GENESIS,
        "head": dossier.last_event_hash,
        "seal_rule": LEAF_RULE,
        "seals": [{"day": p.day.isoformat(), "sealed_at": p.sealed_at.isoformat(), "tsa": p.tsa,
                   "seq": p.seq, "head": p.head, "root": p.root,
                   "path": [{"side": side, "hash": digest} for side, digest in p.path],
                   "token": base64.b64encode(p.token).decode()}
                  for p in seal_proofs(s, dossier)],
        "events": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "type": e.type,
                    "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash}
                   for e in history(s, dossier.id)],
    }
    response = Response(json.dumps(body, ensure_ascii=False, indent=1),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{dossier.code}-nhat-ky.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
