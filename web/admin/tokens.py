"""API tokens: any signed-in user creates and revokes their own. The token is
shown once, on the page that created it; only its sha256 is stored."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from engine.accounts import accounts
from engine.errors import Conflict, InvalidInput

from ..identity import db
from ..unit_of_work import attempt
from . import bp


@bp.route("/token", methods=["GET", "POST"])
@login_required
def tokens():
    user = accounts.get_user(db(), current_user.id)
    created: str | None = None
    error: str | None = None
    if request.method == "POST":
        try:
            with attempt():
                _, created = accounts.create_api_token(db(), user, request.form.get("name", ""))
        except InvalidInput:
            error = gettext("Đặt tên cho khóa (1–100 ký tự), ví dụ: phần mềm một cửa của phường.")
        except Conflict:
            error = gettext("Đã có %(n)d khóa đang dùng. Thu hồi bớt trước khi tạo khóa mới.",
                            n=accounts.MAX_TOKENS_PER_USER)
    page = render_template("admin/tokens.html", tokens=accounts.list_api_tokens(db(), user),
                           created=created, error=error)
    response = make_response(page, 201 if created else 400 if error else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token/<int:token_id>/thu-hoi")
@login_required
def revoke_token(token_id: int):
    user = accounts.get_user(db(), current_user.id)
    token = accounts.revoke_api_token(db(), user, token_id)
    flash(gettext("Đã thu hồi khóa “%(name)s”.", name=token.name))
    return redirect(url_for("admin.tokens"))
