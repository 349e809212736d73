"""The citizen's document store (kho dữ liệu): results issued to them and files they
uploaded before, to download, to reuse in a new application, and uploads to remove."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.documents import blobs, store
from engine.errors import Conflict, NotFound
from engine.models import StoredDocument

from ..identity import db, require_role
from .blueprint import bp
from .files import blob_response


def origin_name(item: StoredDocument) -> str:
    return (gettext("Kết quả do cơ quan cấp") if item.origin == store.ISSUED
            else gettext("Tệp đã nộp"))


def my_item(item_id: int) -> StoredDocument:
    """The signed-in citizen's item; another person's is not found, like an unknown one."""
    try:
        return store.item(db(), current_user.username, item_id)
    except NotFound:
        raise NotFound(gettext("Không tìm thấy giấy tờ trong kho dữ liệu."), item=item_id) from None


@bp.get("/kho-du-lieu")
@require_role("citizen")
def document_store() -> str:
    s = db()
    items = store.items(s, current_user.username)
    return render_template("citizen/store.html", items=items, codes=store.dossier_codes(s, items),
                           origin_name=origin_name, issued=store.ISSUED)


@bp.get("/kho-du-lieu/<int:item_id>/tep")
@require_role("citizen")
def stored_file(item_id: int) -> Response:
    item = my_item(item_id)
    return blob_response(blobs.get(item.sha256), item.media_type, item.name)


@bp.post("/kho-du-lieu/<int:item_id>/xoa")
@require_role("citizen")
def remove_stored(item_id: int) -> Response:
    item = my_item(item_id)
    try:
        store.remove(db(), current_user.username, item.id)
    except Conflict:
        raise Conflict(gettext("Kết quả do cơ quan cấp luôn được giữ trong kho dữ liệu; "
                               "chỉ bỏ được tệp bạn đã nộp."), item=item_id) from None
    flash(gettext("Đã bỏ “%(name)s” khỏi kho dữ liệu. Các hồ sơ đã nộp vẫn giữ tệp này.",
                  name=item.name))
    return redirect(url_for(".document_store"))
