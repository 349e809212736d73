"""Vietnamese formats: dd/mm/yyyy, times in Hà Nội, 1.000.000 ₫."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import get_locale, gettext

from engine.deadlines.calendar import VIETNAM_TZ as VN
from engine.status import PORTAL_STATUS_NAMES, STATUS_NAMES, portal_code

from .schema_form import shown_date


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(VN).date()
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(VN).strftime("%H:%M %d/%m/%Y")


def vn_money(amount: int | None) -> str:
    return f"{amount or 0:,}".replace(",", ".") + " ₫"


def duration(seconds: float) -> str:
    """A span as a person reads it: 0,4 giây, 12 giây, 3 phút 5 giây, 2 giờ 10 phút."""
    if seconds < 10:
        tenths = f"{seconds:.1f}"
        return gettext("%(n)s giây", n=tenths if str(get_locale()) == "en" else
                       tenths.replace(".", ","))
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(h)d giờ %(m)d phút", h=hours, m=minutes)
    if minutes:
        return gettext("%(m)d phút %(s)d giây", m=minutes, s=secs)
    return gettext("%(n)s giây", n=str(secs))


def status_name(status: str) -> str:
    vi, en = STATUS_NAMES.get(status, (status, status))
    return en if str(get_locale()) == "en" else vi


def portal_status(dossier) -> str:
    code = portal_code(dossier.status, dossier.received_at is not None)
    return f"{code}. {PORTAL_STATUS_NAMES[code]}"


FILTERS = {"typed_date": shown_date, "vn_date": vn_date, "vn_datetime": vn_datetime, "vn_money": vn_money,
           "duration": duration, "status_name": status_name, "portal_status": portal_status}
