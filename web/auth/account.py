"""The signed-in person's own account: their e-mail and phone, and a new password
(which ends every session of the account, this one included)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from engine.accounts import accounts
from engine.errors import InvalidInput
from engine.models import User

from ..identity import db
from ..unit_of_work import attempt
from . import bp, contact_messages


def _page(form: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template("auth/account.html", form=form, errors=errors,
                           min_password=accounts.MIN_PASSWORD), status


def _me() -> User:
    return accounts.get_user(db(), current_user.id)


@bp.get("/tai-khoan")
@login_required
def account() -> tuple[str, int]:
    me = _me()
    return _page({"email": me.email or "", "phone": me.phone or ""}, {})


@bp.post("/tai-khoan/lien-he")
@login_required
def contacts() -> Response | tuple[str, int]:
    form = {k: request.form.get(k, "").strip() for k in ("email", "phone")}
    errors = contact_messages(form["email"], form["phone"])
    if errors:
        return _page(form, errors, 400)
    accounts.set_contacts(db(), _me(), form["email"], form["phone"])
    flash(gettext("Đã cập nhật thông tin liên hệ."))
    return redirect(url_for("auth.account"))


@bp.post("/tai-khoan/mat-khau")
@login_required
def password() -> Response | tuple[str, int]:
    me = _me()
    form = {"email": me.email or "", "phone": me.phone or ""}
    new = request.form.get("password", "")
    if new != request.form.get("password2"):
        return _page(form, {"password2": gettext("Mật khẩu nhập lại không khớp.")}, 400)
    try:
        with attempt():
            accounts.change_password(db(), me, request.form.get("current", ""), new)
    except InvalidInput as invalid:
        messages = {"current": gettext("Mật khẩu hiện tại không đúng."),
                    "password": gettext("Mật khẩu tối thiểu %(n)d ký tự.",
                                        n=accounts.MIN_PASSWORD)}
        return _page(form, {k: messages[k] for k in invalid.errors}, 400)
    logout_user()
    flash(gettext("Đã đổi mật khẩu. Mọi phiên đăng nhập của tài khoản đã kết thúc; "
                  "vui lòng đăng nhập lại bằng mật khẩu mới."))
    return redirect(url_for("auth.login"))
