"""Sign in, sign out, register (citizens)."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from engine.accounts.accounts import LoginRefused, authenticate, create_user, end_sessions, get_user
from engine.contacts import contact_errors
from engine.errors import Conflict

from ..extensions import limiter
from ..formats import vn_datetime
from ..identity import Actor, db
from ..redirects import local_path
from ..unit_of_work import attempt

bp = Blueprint("auth", __name__)
USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
ID_NUMBER = re.compile(r"^[0-9]{12}$")


def contact_messages(email: str | None, phone: str | None) -> dict[str, str]:
    """The contact checks of engine.contacts, in words for the forms."""
    messages = {"email": gettext("Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.vn)."),
                "phone": gettext("Số điện thoại không hợp lệ: bắt đầu bằng 0 hoặc +84, "
                                 "tiếp theo 9–10 chữ số.")}
    return {field: messages[field] for field in contact_errors(email, phone)}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = authenticate(db(), request.form.get("username", ""), request.form.get("password", ""))
        except LoginRefused as refused:
            # Not in attempt(): the refused attempt counts toward the lock, and this page
            # returns (401) rather than raising, so web.unit_of_work commits the count.
            if refused.reason == "locked":
                error = gettext("Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. "
                                "Vui lòng thử lại sau %(time)s.", time=vn_datetime(refused.until))
            else:
                error = gettext("Tên đăng nhập hoặc mật khẩu không đúng.")
        else:
            login_user(Actor(user))
            return redirect(local_path(request.args.get("next"), url_for("home")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    end_sessions(get_user(db(), current_user.id))  # a copy of any session cookie dies too
    logout_user()
    return redirect(url_for("home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def register():
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        username = form.get("username", "").strip().lower()
        if not USERNAME.match(username):
            errors["username"] = gettext("3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch.")
        if len(form.get("full_name", "").strip()) < 2:
            errors["full_name"] = gettext("Nhập họ và tên.")
        if not ID_NUMBER.match(form.get("id_number", "")):
            errors["id_number"] = gettext("Số định danh cá nhân gồm 12 chữ số.")
        if not form.get("phone", "").strip():
            errors["phone"] = gettext("Số điện thoại không hợp lệ.")
        errors.update(contact_messages(form.get("email", "").strip(), form.get("phone", "").strip()))
        password = form.get("password", "")
        if len(password) < 8:
            errors["password"] = gettext("Mật khẩu tối thiểu 8 ký tự.")
        elif password != form.get("password2"):
            errors["password2"] = gettext("Mật khẩu nhập lại không khớp.")
        if not errors:
            try:
                with attempt():
                    user = create_user(db(), username, form["full_name"].strip(), password,
                                       [("citizen", "*")],
                                       email=form.get("email", "").strip() or None,
                                       phone=form["phone"].strip(), id_number=form["id_number"])
            except Conflict:
                errors["username"] = gettext("Tên đăng nhập đã có người dùng.")
            else:
                login_user(Actor(user))
                flash(gettext("Đăng ký thành công. Chào mừng %(name)s!", name=user.full_name))
                return redirect(url_for("home"))
    return render_template("auth/register.html", errors=errors, form=form), (400 if errors else 200)


from . import account  # noqa: E402, F401  (routes)
