"""Vietnam time: the zone, and the dd/mm/yyyy hh:mm:ss form used on stamps and reports."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now_utc() -> datetime:
    """The current time, aware, in UTC, to the second (certificates and CRLs keep seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def format_vn(moment: datetime) -> str:
    """`moment` in Vietnam time as dd/mm/yyyy hh:mm:ss; a naive value is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")
