"""The caller's document store (kho dữ liệu) and taking a document from it into a draft,
through web.submission as the citizens' form does."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from engine.documents import store
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import StoredDocument

from ..identity import db
from ..submission import attach_from_store, my_draft
from . import bp
from .auth import api_actor
from .drafts import applicant, open_draft
from .params import json_body
from .serialize import attachment_json


def item_json(item: StoredDocument, codes: dict[int, str]) -> dict[str, Any]:
    return {"id": item.id, "origin": item.origin, "kind": item.kind, "name": item.name,
            "media_type": item.media_type, "size": item.size, "sha256": item.sha256,
            "dossier": codes.get(item.dossier_id or 0), "number": item.number,
            "added_at": item.added_at.isoformat()}


@bp.get("/store")
def list_store() -> dict[str, Any]:
    s = db()
    items = store.items(s, applicant(api_actor()))
    codes = store.dossier_codes(s, items)
    return {"items": [item_json(i, codes) for i in items]}


@bp.delete("/store/<int:item_id>")
def remove_stored(item_id: int):
    owner = applicant(api_actor())
    try:
        store.remove(db(), owner, item_id)
    except NotFound:
        raise NotFound(gettext("Không tìm thấy giấy tờ trong kho dữ liệu."), item=item_id) from None
    except Conflict:
        raise Conflict(gettext("Kết quả do cơ quan cấp luôn được giữ trong kho dữ liệu; "
                               "chỉ bỏ được tệp bạn đã nộp."), item=item_id) from None
    return "", 204


@bp.post("/drafts/<int:draft_id>/attachments/from-store")
def attach_stored(draft_id: int):
    """One item of the caller's store, attached by reference for one of the draft's
    documents of the same kind."""
    owner = applicant(api_actor())
    draft = open_draft(my_draft(db(), draft_id, owner))
    body = json_body()
    errors: dict[str, list[str]] = {}
    code, item_id = body.get("document"), body.get("item")
    if not isinstance(code, str) or not code:
        errors["document"] = ["is required: the document code of the draft's procedure"]
    if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id < 1:
        errors["item"] = ["is required: the id of an item of GET /api/v1/store"]
    if errors:
        raise InvalidInput(gettext("Yêu cầu lấy giấy tờ từ kho dữ liệu không hợp lệ."), errors)
    assert isinstance(code, str) and isinstance(item_id, int)
    attachment = attach_from_store(db(), draft, code, item_id, owner, "item")
    return attachment_json(attachment), 201
