"""The account log for administrators and auditors: every change to who may act, with
whether its hash chain still recomputes."""

from __future__ import annotations

from flask import render_template, request

from engine.audit.account_log import entries, verify_log

from ..identity import db, require_role
from ..paging import page_number
from ..seal_checks import account_seal_verdicts
from . import bp

PAGE_SIZE = 200


@bp.get("/nhat-ky-tai-khoan", endpoint="account_log")
@require_role("admin", "auditor")
def account_log() -> str:
    s = db()
    target = (request.args.get("tai_khoan") or "").strip().lower()[:128] or None
    page = page_number()
    rows = entries(s, target, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("admin/account_log.html", rows=rows[:PAGE_SIZE], target=target,
                           page=page, has_next=len(rows) > PAGE_SIZE, check=verify_log(s),
                           seals=account_seal_verdicts(s))
