"""The administrators' user forms read back from a POST: account fields and the
rows of (role, department) pairs."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from engine.accounts.accounts import DEPARTMENT_MAX, ROLES

from ..auth import contact_messages

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD = 12
EMPTY_ROWS = 3
MAX_ROWS = 60
_ROW = re.compile(r"^roles-(\d{1,3})-(role|department)$")


def valid_department(code: str) -> bool:
    return 0 < len(code) <= DEPARTMENT_MAX and not any(c.isspace() for c in code)


def posted_rows(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The role rows as posted (roles-N-role, roles-N-department, roles-N-remove)."""
    indices = sorted({int(m.group(1)) for key in form if (m := _ROW.match(key))})[:MAX_ROWS]
    return [{"index": i, "role": form.get(f"roles-{i}-role", "").strip(),
             "department": form.get(f"roles-{i}-department", "").strip(),
             "remove": bool(form.get(f"roles-{i}-remove"))} for i in indices]


def rows_for(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rows to show: the pairs held, then a few empty ones to add more."""
    rows = [{"role": r, "department": d, "remove": False} for r, d in sorted(pairs)]
    rows += [{"role": "", "department": "", "remove": False} for _ in range(EMPTY_ROWS)]
    return [dict(row, index=i) for i, row in enumerate(rows)]


def parse_roles(rows: list[dict[str, Any]], known: list[str],
                held: frozenset[tuple[str, str]] = frozenset()
                ) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The pairs kept, and an error per bad row (keyed roles-N) or for all (roles).
    A department must be one of `known` (when there are any) or '*'; a pair the user
    already `held` is kept as it is."""
    pairs: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for row in rows:
        role, department = row["role"], row["department"]
        if row["remove"] or (not role and not department):
            continue
        if role not in ROLES:
            errors[f"roles-{row['index']}"] = gettext("Chọn vai trò.")
        elif not valid_department(department):
            errors[f"roles-{row['index']}"] = gettext(
                "Mã phòng ban gồm 1–64 ký tự, không có dấu cách; * là mọi phòng ban.")
        elif known and department not in (*known, "*") and (role, department) not in held:
            errors[f"roles-{row['index']}"] = gettext(
                "Không có phòng ban %(code)s trong danh sách phòng ban; chọn một mã trong danh "
                "sách hoặc * cho mọi phòng ban.", code=department)
        elif (role, department) not in pairs:
            pairs.append((role, department))
    if not pairs and not errors:
        errors["roles"] = gettext("Cần ít nhất một vai trò.")
    return pairs, errors


def check_account(form: MultiDict[str, str]) -> dict[str, str]:
    """Errors of the new-account fields, keyed by field name."""
    errors: dict[str, str] = {}
    if not USERNAME.match(form.get("username", "").strip().lower()):
        errors["username"] = gettext("3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch.")
    if len(form.get("full_name", "").strip()) < 2:
        errors["full_name"] = gettext("Nhập họ và tên.")
    errors.update(contact_messages(form.get("email", "").strip(), form.get("phone", "").strip()))
    password = form.get("password", "")
    if len(password) < MIN_PASSWORD:
        errors["password"] = gettext("Mật khẩu tối thiểu %(n)d ký tự.", n=MIN_PASSWORD)
    elif password != form.get("password2"):
        errors["password2"] = gettext("Mật khẩu nhập lại không khớp.")
    return errors
