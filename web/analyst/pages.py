"""Procedures, versions, comparison and deployment."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import load_only
from werkzeug.wrappers import Response

from connectors import register_all
from engine.errors import BundleInvalid, NotFound
from engine.models import Dossier, Procedure, ProcedureVersion
from engine.procedures import procedures
from engine.procedures.bundle_zip import bundle_from_zip
from engine.procedures.decisions import read_tables
from engine.procedures.version_diff import compare

from ..identity import db, require_role
from ..unit_of_work import attempt
from . import DEPLOYERS, VIEWERS, bp
from .diagram import diagram_svg

MAX_UPLOAD = 10 * 1024 * 1024


def _usage(s: Any) -> dict[int, tuple[int, int]]:
    """version id → (dossiers, of which still open)."""
    rows = s.execute(select(
        Dossier.procedure_version_id, func.count(),
        func.sum(case((Dossier.finished_at.is_(None), 1), else_=0)),
    ).group_by(Dossier.procedure_version_id))
    return {vid: (int(total), int(open_ or 0)) for vid, total, open_ in rows}


def _versions(s: Any, code: str) -> tuple[Procedure, list[ProcedureVersion]]:
    row = s.scalar(select(Procedure).where(Procedure.code == code))
    if row is None:
        raise NotFound(f"procedure {code!r} is not deployed", procedure=code)
    versions = list(s.scalars(select(ProcedureVersion)
                              .where(ProcedureVersion.procedure_id == row.id)
                              .order_by(ProcedureVersion.version.desc())))
    return row, versions


def _can_deploy() -> bool:
    return any(current_user.has_role(r) for r in DEPLOYERS)


@bp.get("", endpoint="index")
@require_role(*VIEWERS)
def index() -> str:
    s = db()
    usage = _usage(s)
    versions_of: dict[int, list[ProcedureVersion]] = {}
    for version in s.scalars(select(ProcedureVersion).options(
            load_only(ProcedureVersion.procedure_id, ProcedureVersion.version,
                      ProcedureVersion.deployed_at, ProcedureVersion.deployed_by))
            .order_by(ProcedureVersion.version)):
        versions_of.setdefault(version.procedure_id, []).append(version)
    rows = []
    for proc in s.scalars(select(Procedure).order_by(Procedure.code)):
        versions = versions_of.get(proc.id, [])
        counts = [usage.get(v.id, (0, 0)) for v in versions]
        rows.append({"procedure": proc, "latest": versions[-1] if versions else None,
                     "versions": len(versions), "dossiers": sum(c[0] for c in counts),
                     "open": sum(c[1] for c in counts)})
    return render_template("analyst/index.html", rows=rows, can_deploy=_can_deploy())


@bp.get("/<code>", endpoint="procedure")
@require_role(*VIEWERS)
def procedure_page(code: str) -> str:
    s = db()
    row, versions = _versions(s, code)
    shown = versions[0]
    wanted = request.args.get("v", "")
    if wanted.isdigit():
        shown = next((v for v in versions if v.version == int(wanted)), shown)
    return render_template(
        "analyst/procedure.html", procedure=row, versions=versions, shown=shown,
        usage=_usage(s), diagram=diagram_svg(shown.files, title=row.name_vi),
        decisions=read_tables(shown.files), can_deploy=_can_deploy())


@bp.get("/<code>/so-sanh", endpoint="compare")
@require_role(*VIEWERS)
def compare_page(code: str) -> str:
    s = db()
    row, versions = _versions(s, code)
    by_number = {v.version: v for v in versions}
    newest = versions[0].version

    def number(arg: str, default: int) -> int:
        value = request.args.get(arg, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    after_n = number("den", newest)
    before_n = number("tu", max((n for n in by_number if n < after_n), default=after_n))
    before, after = by_number[before_n], by_number[after_n]
    diff = compare(before.files, after.files)
    marks = diff.marks()
    return render_template(
        "analyst/compare.html", procedure=row, versions=versions, before=before, after=after,
        diff=diff, usage=_usage(s),
        before_svg=diagram_svg(before.files, {k: v for k, v in marks.items() if v != "added"},
                               title=f"v{before.version}"),
        after_svg=diagram_svg(after.files, {k: v for k, v in marks.items() if v != "removed"},
                              title=f"v{after.version}"))


@bp.post("/trien-khai", endpoint="deploy")
@require_role(*DEPLOYERS)
def deploy() -> Response | tuple[str, int]:
    upload = request.files.get("bundle")
    data = upload.read(MAX_UPLOAD + 1) if upload and upload.filename else b""
    note = (request.form.get("note") or "").strip()[:2000] or None
    problems: list[str] = []
    if not data:
        problems = [gettext("Chọn tệp ZIP của bộ hồ sơ quy trình.")]
    elif len(data) > MAX_UPLOAD:
        problems = [gettext("Tệp lớn hơn 10 MB.")]
    else:
        try:
            bundle = bundle_from_zip(data)
            register_all()
            s = db()
            with attempt():
                result = procedures.deploy(s, bundle, current_user.username)
        except BundleInvalid as invalid:
            problems = [str(p) for p in invalid.problems]
    if problems:
        return render_template("analyst/deploy_refused.html", problems=problems), 400
    if result.created:
        version = s.scalar(select(ProcedureVersion).join(ProcedureVersion.procedure).where(
            Procedure.code == result.code, ProcedureVersion.version == result.version))
        version.note = note
        flash(gettext("Đã triển khai phiên bản %(n)s của %(code)s. Hồ sơ đang giải quyết vẫn "
                      "chạy trên phiên bản của chúng; hồ sơ mới dùng phiên bản này.",
                      n=result.version, code=result.code))
        if result.version > 1:
            return redirect(url_for("analyst.compare", code=result.code, tu=result.version - 1,
                                    den=result.version))
    else:
        flash(gettext("Nội dung trùng với phiên bản %(n)s đã có; không tạo phiên bản mới.",
                      n=result.version))
    return redirect(url_for("analyst.procedure", code=result.code))
