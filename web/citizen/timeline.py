"""A dossier's history as its applicant may see it, in plain words. Only what
concerns the applicant is shown: officers' opinions, internal notes, views,
claims, jobs and checkpoints stay out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.audit import events
from engine.models import Dossier, Event

from ..formats import status_name, vn_date, vn_money

# Fields of officers' forms that are written for the applicant (printed on the
# slip sent to them); everything else an officer enters stays internal.
REQUEST_FIELDS = ("noi_dung_yeu_cau_bo_sung", "yeu_cau_bo_sung_tham_dinh")
REASON_FIELDS = ("ly_do_tu_choi_tiep_nhan", "ly_do_khong_giai_quyet")


@dataclass
class Entry:
    at: datetime
    text: str
    detail: str | None = None


def _day(value: Any) -> str:
    try:
        return vn_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def request_of(event: Event) -> str | None:
    """The supplement request an officer wrote for the applicant in this event, if any."""
    data = event.payload.get("data") or {}
    for key in REQUEST_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key])
    return None


def _task_completed(event: Event, dossier: Dossier) -> Entry | None:
    data = event.payload.get("data") or {}
    if dossier.applicant_user and event.actor == dossier.applicant_user:
        return Entry(event.at, gettext("Bạn đã nộp bổ sung hồ sơ."),
                     data.get("noi_dung_bo_sung") if isinstance(data, dict) else None)
    request = request_of(event)
    if request:
        return Entry(event.at, gettext("Cơ quan giải quyết yêu cầu bổ sung, hoàn thiện hồ sơ."),
                     request)
    for key in REASON_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            text = (gettext("Hồ sơ không được tiếp nhận.") if key == "ly_do_tu_choi_tiep_nhan"
                    else gettext("Hồ sơ không được giải quyết."))
            return Entry(event.at, text, gettext("Lý do: %(reason)s", reason=data[key]))
    return None


def _service(event: Event, to_applicant: set[str]) -> Entry | None:
    data = event.payload.get("data") or {}
    operator = event.payload.get("operator")
    if operator == "fee.collect":
        if data.get("status") == "waived":
            return Entry(event.at, gettext("Hồ sơ được miễn phí, lệ phí."))
        if data.get("status") == "paid":
            return Entry(event.at, gettext("Đã thanh toán phí, lệ phí %(amount)s.",
                                           amount=vn_money(data.get("amount"))))
    if operator == "fee.refund" and data.get("status") == "refunded":
        return Entry(event.at, gettext("Đã hoàn trả phí, lệ phí %(amount)s.",
                                       amount=vn_money(data.get("amount"))))
    if operator == "fee.refund" and data.get("status") == "refund_due":
        return Entry(event.at, gettext("Khoản phí, lệ phí %(amount)s sẽ được hoàn trả bằng tiền mặt "
                                       "tại Bộ phận Một cửa.", amount=vn_money(data.get("amount"))))
    if operator == "result.deliver" and data.get("available"):
        return Entry(event.at, gettext("Kết quả đã sẵn sàng để tải về."))
    if operator == "notify.send" and data.get("subject") and \
            event.payload.get("element_id") in to_applicant:
        return Entry(event.at, gettext("Đã gửi thông báo cho bạn: “%(subject)s”.",
                                       subject=data["subject"]))
    return None


def entry(event: Event, dossier: Dossier, to_applicant: set[str]) -> Entry | None:
    p = event.payload
    if event.type == "submitted":
        return Entry(event.at, gettext("Bạn đã nộp hồ sơ."))
    if event.type == "status_changed":
        return Entry(event.at, gettext("Trạng thái hồ sơ: %(status)s.", status=status_name(p["to"])))
    if event.type == "deadline_set":
        return Entry(event.at, gettext(
            "Hồ sơ đã được tiếp nhận. Ngày hẹn trả kết quả: %(day)s (%(n)s ngày làm việc).",
            day=_day(p.get("appointment_date")), n=p.get("working_days")))
    if event.type == "deadline_extended":
        return Entry(event.at, gettext(
            "Ngày hẹn trả kết quả được lùi từ %(old)s sang %(new)s: %(n)s ngày làm việc chờ bổ "
            "sung hoặc thanh toán không tính vào thời hạn giải quyết.",
            old=_day(p.get("from")), new=_day(p.get("to")), n=p.get("paused_working_days")))
    if event.type == "clock_paused":
        return Entry(event.at, gettext("Tạm dừng tính thời hạn giải quyết trong khi chờ bạn."))
    if event.type == "clock_resumed":
        return Entry(event.at, gettext("Tiếp tục tính thời hạn giải quyết."))
    if event.type == "task_completed":
        return _task_completed(event, dossier)
    if event.type == "service_completed":
        return _service(event, to_applicant)
    return None


def notices_to_applicant(history: list[Event]) -> set[str]:
    """Elements whose notices go to the applicant (reminders to officers do not)."""
    return {str(e.payload.get("element_id")) for e in history
            if e.type == "job_queued" and e.payload.get("operator") == "notify.send"
            and (e.payload.get("params") or {}).get("recipient", "applicant") == "applicant"}


def citizen_timeline(session: Session, dossier: Dossier) -> list[Entry]:
    history = events.history(session, dossier.id)
    to_applicant = notices_to_applicant(history)
    return [e for e in (entry(ev, dossier, to_applicant) for ev in history) if e]
