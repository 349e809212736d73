"""The applicant's rating once the result is returned, and the figures per procedure."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine import status as st
from engine.errors import Conflict
from engine.models import Dossier, Procedure, ProcedureVersion, Rating

from ..identity import db, require_role
from .blueprint import bp
from .dossiers import render_dossier
from .ownership import my_dossier

MAX_COMMENT = 2000


@bp.post("/ho-so/<code>/danh-gia")
@require_role("citizen")
def rate(code: str) -> Response | tuple[str, int]:
    s = db()
    dossier = my_dossier(s, code)
    if dossier.status != st.RETURNED:
        raise Conflict(gettext("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả."))
    if s.scalar(select(Rating.id).where(Rating.dossier_id == dossier.id)) is not None:
        raise Conflict(gettext("Bạn đã đánh giá hồ sơ này. Mỗi hồ sơ chỉ đánh giá một lần."))
    score = request.form.get("diem", type=int)
    if score not in (1, 2, 3, 4, 5):
        return render_dossier(dossier, 400, rating_error=gettext("Chọn mức đánh giá từ 1 đến 5."))
    comment = request.form.get("nhan_xet", "").strip()[:MAX_COMMENT] or None
    try:
        with s.begin_nested():
            s.add(Rating(dossier_id=dossier.id, score=score, comment=comment))
    except IntegrityError:
        raise Conflict(gettext(
            "Bạn đã đánh giá hồ sơ này. Mỗi hồ sơ chỉ đánh giá một lần.")) from None
    flash(gettext("Cảm ơn bạn đã đánh giá."))
    return redirect(url_for(".dossier", code=code))


def rating_summary(session: Session) -> list[dict[str, Any]]:
    """Per procedure: how many ratings, their average and how many of each score (1–5)."""
    counts = session.execute(
        select(Procedure.code, Procedure.name_vi, Procedure.name_en, Rating.score, func.count())
        .select_from(Rating).join(Dossier, Dossier.id == Rating.dossier_id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .group_by(Procedure.code, Procedure.name_vi, Procedure.name_en, Rating.score)).all()
    summary: dict[str, dict[str, Any]] = {}
    for code, name_vi, name_en, score, n in counts:
        row = summary.setdefault(code, {"code": code, "name_vi": name_vi, "name_en": name_en,
                                        "count": 0, "average": 0.0,
                                        "scores": {k: 0 for k in range(1, 6)}})
        row["scores"][int(score)] = int(n)
        row["count"] += int(n)
    for row in summary.values():
        total = sum(k * v for k, v in row["scores"].items())
        row["average"] = round(total / row["count"], 2) if row["count"] else 0.0
    return sorted(summary.values(), key=lambda r: r["code"])
