"""Users: list, create an officer, roles per department, deactivate and
reactivate (never delete: events keep naming the username), unlock."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from engine.accounts import accounts
from engine.audit import account_log
from engine.errors import Conflict
from engine.models import HumanTask, User, utcnow

from ..identity import db, require_role
from ..paging import page_number
from ..unit_of_work import attempt
from . import bp
from .departments import known_departments, suggested_departments
from .labels import ROLE_LABELS
from .user_form import check_account, parse_roles, posted_rows, rows_for

PER_PAGE = 50


@bp.get("/nguoi-dung")
@require_role("admin")
def users() -> str:
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("vai_tro", "")
    role = role if role in accounts.ROLES else ""
    page = page_number("trang")
    rows, total = accounts.list_users(db(), search=search or None, role=role or None,
                                      offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    return render_template("admin/users.html", users=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), search=search, role=role,
                           labels=ROLE_LABELS, now=utcnow(), known=known_departments(db()))


@bp.route("/nguoi-dung/moi", methods=["GET", "POST"])
@require_role("admin")
def new_user():
    form = request.form
    errors: dict[str, str] = {}
    rows = rows_for([])
    if request.method == "POST":
        rows = posted_rows(form)
        errors = check_account(form)
        pairs, role_errors = parse_roles(rows, known_departments(db()))
        errors.update(role_errors)
        if not errors:
            try:
                with attempt():
                    user = accounts.create_user(
                        db(), form["username"].strip().lower(), form["full_name"].strip(),
                        form["password"], pairs, email=form.get("email", "").strip() or None,
                        phone=form.get("phone", "").strip() or None, by=current_user.username)
            except Conflict:
                errors["username"] = gettext("Tên đăng nhập đã có người dùng.")
            else:
                flash(gettext("Đã tạo tài khoản %(username)s.", username=user.username))
                return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_new.html", form=form, errors=errors, rows=rows,
                           labels=ROLE_LABELS, departments=suggested_departments(db()),
                           known=known_departments(db())), \
        (400 if errors else 200)


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
@require_role("admin")
def edit_user(user_id: int):
    user = accounts.get_user(db(), user_id)
    errors: dict[str, str] = {}
    rows = rows_for([(r.role, r.department) for r in user.roles])
    status = 200
    if request.method == "POST":
        rows = posted_rows(request.form)
        pairs, errors = parse_roles(rows, known_departments(db()),
                                    frozenset((r.role, r.department) for r in user.roles))
        status = 400
        if not errors:
            try:
                with attempt():
                    accounts.set_roles(db(), user, pairs, by=current_user.username)
            except Conflict:
                errors["roles"] = gettext("Phải còn ít nhất một quản trị viên đang hoạt động.")
                status = 409
            else:
                flash(gettext("Đã cập nhật vai trò của %(username)s.", username=user.username))
                return redirect(url_for("admin.edit_user", user_id=user.id))
    steps = db().scalar(select(func.count(HumanTask.id)).where(
        HumanTask.completed_by == user.username)) or 0
    return render_template("admin/user_edit.html", user=user, errors=errors, rows=rows,
                           labels=ROLE_LABELS, departments=suggested_departments(db()),
                           known=known_departments(db()),
                           steps=steps, locked=accounts.is_locked(user),
                           history=account_log.entries(db(), user.username, limit=50)), status


def _target(user_id: int) -> User:
    return accounts.get_user(db(), user_id)


@bp.post("/nguoi-dung/<int:user_id>/vo-hieu-hoa")
@require_role("admin")
def deactivate(user_id: int):
    user = _target(user_id)
    if user.id == current_user.id:
        raise Conflict(gettext("Không thể tự vô hiệu hóa tài khoản của chính mình."),
                       user=user.username)
    try:
        accounts.deactivate_user(db(), user, by=current_user.username)
    except Conflict as exc:
        raise Conflict(gettext("Phải còn ít nhất một quản trị viên đang hoạt động."),
                       user=user.username) from exc
    flash(gettext("Đã vô hiệu hóa tài khoản %(username)s. Lịch sử xử lý được giữ nguyên.",
                  username=user.username))
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/kich-hoat")
@require_role("admin")
def reactivate(user_id: int):
    user = accounts.reactivate_user(db(), _target(user_id), by=current_user.username)
    flash(gettext("Đã kích hoạt lại tài khoản %(username)s.", username=user.username))
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/nguoi-dung/<int:user_id>/mo-khoa")
@require_role("admin")
def unlock(user_id: int):
    user = accounts.unlock_user(db(), _target(user_id), by=current_user.username)
    flash(gettext("Đã mở khóa tài khoản %(username)s.", username=user.username))
    return redirect(url_for("admin.edit_user", user_id=user.id))
