"""A dossier's event log told in plain words, newest last."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from engine.models import Event
from engine.procedures.bundle import Procedure

from ..formats import status_name, vn_date, vn_money
from .people import actor_name, role_name
from .readable import Item, decision_text, describe

# Bookkeeping the engine records for replay; not news to a person.
HIDDEN = frozenset({"job_queued", "checkpoint", "timer_set"})
CHANNELS = {"online": _l("trực tuyến"), "counter": _l("trực tiếp tại Bộ phận Một cửa"),
            "postal": _l("qua dịch vụ bưu chính")}


@dataclass
class Entry:
    at: datetime
    who: str
    text: str
    kind: str
    on_behalf_of: str | None = None
    details: list[Item] = field(default_factory=list)


def _iso_date(value: Any) -> str:
    try:
        return vn_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _task_name(procedure: Procedure, element_id: str | None) -> str:
    info = procedure.tasks.get(element_id or "")
    return info.name if info is not None else str(element_id)


def _service_text(procedure: Procedure, payload: dict[str, Any]) -> str:
    operator = payload.get("operator", "")
    data = payload.get("data") or {}
    if operator == "fee.collect":
        if data.get("status") == "waived":
            return gettext("Lệ phí được miễn")
        return gettext("Đã thu phí, lệ phí %(amount)s", amount=vn_money(data.get("amount")))
    if operator == "fee.refund":
        if data.get("status") == "refunded":
            return gettext("Đã hoàn trả phí, lệ phí %(amount)s", amount=vn_money(data.get("amount")))
        if data.get("status") == "refund_due":
            return gettext("Phải hoàn trả %(amount)s tiền mặt tại Bộ phận Một cửa",
                           amount=vn_money(data.get("amount")))
        return gettext("Không có khoản phí, lệ phí cần hoàn trả")
    if operator == "notify.send":
        return gettext("Đã gửi thông báo cho người nộp: %(subject)s", subject=data.get("subject", ""))
    if operator == "result.render":
        return gettext("Đã lập văn bản kết quả")
    if operator == "result.sign":
        if data.get("signed") and data.get("organisation"):
            return gettext("Cơ quan đã ký số, phát hành văn bản kết quả")
        if data.get("signed"):
            return gettext("Đã ký số văn bản kết quả")
        return gettext("Văn bản kết quả chưa được ký số (%(reason)s)", reason=data.get("reason", ""))
    if operator == "result.deliver":
        return gettext("Đã trả kết quả")
    if operator == "portal.sync":
        return gettext("Đã đồng bộ trạng thái lên Cổng Dịch vụ công quốc gia")
    return gettext("Hệ thống đã thực hiện: %(step)s",
                   step=_task_name(procedure, payload.get("element_id")))


def _text(event: Event, procedure: Procedure, lang: str) -> tuple[str, list[Item]]:
    p = event.payload or {}
    kind = event.type
    if kind == "submitted":
        channel = (p.get("data") or {}).get("channel", "online")
        return gettext("Nộp hồ sơ %(channel)s", channel=str(CHANNELS.get(channel, channel))), []
    if kind == "task_created":
        return gettext("Chuyển đến bước “%(step)s” (%(role)s – %(department)s)",
                       step=p.get("name") or _task_name(procedure, p.get("element_id")),
                       role=role_name(str(p.get("role") or "citizen")),
                       department=p.get("department") or "—"), []
    if kind == "task_claimed":
        return gettext("Nhận xử lý bước “%(step)s”",
                       step=_task_name(procedure, p.get("element_id"))), []
    if kind == "task_released":
        return gettext("Trả lại bước “%(step)s” để người khác nhận",
                       step=_task_name(procedure, p.get("element_id"))), []
    if kind == "task_completed":
        info = procedure.tasks.get(p.get("element_id") or "")
        schema = procedure.forms.get(info.form or "", {}) if info is not None else {}
        data = p.get("data") or {}
        decision = decision_text(schema, data, lang)
        step = _task_name(procedure, p.get("element_id"))
        text = (gettext("Hoàn thành bước “%(step)s”: %(decision)s", step=step, decision=decision)
                if decision else gettext("Hoàn thành bước “%(step)s”", step=step))
        return text, describe(schema, data, lang)
    if kind == "service_completed":
        return _service_text(procedure, p), []
    if kind == "timer_fired":
        return gettext("Hết thời gian chờ: %(step)s",
                       step=_task_name(procedure, p.get("element_id"))), []
    if kind == "status_changed":
        return gettext("Trạng thái hồ sơ: %(old)s → %(new)s", old=status_name(str(p.get("from"))),
                       new=status_name(str(p.get("to")))), []
    if kind == "deadline_set":
        return gettext("Hẹn trả kết quả ngày %(date)s (%(days)s ngày làm việc)",
                       date=_iso_date(p.get("appointment_date")), days=p.get("working_days")), []
    if kind == "deadline_extended":
        return gettext("Lùi ngày hẹn trả từ %(old)s đến %(new)s (tạm dừng %(days)s ngày làm việc)",
                       old=_iso_date(p.get("from")), new=_iso_date(p.get("to")),
                       days=p.get("paused_working_days")), []
    if kind == "clock_paused":
        return gettext("Tạm dừng tính thời hạn trong thời gian chờ người nộp"), []
    if kind == "clock_resumed":
        return gettext("Tiếp tục tính thời hạn"), []
    if kind == "viewed":
        return gettext("Đã xem hồ sơ"), []
    if kind == "incident_raised":
        return gettext("Sự cố khi thực hiện bước tự động: %(step)s",
                       step=_task_name(procedure, p.get("element_id"))), []
    if kind == "job_waiting" and p.get("operator") == "fee.collect":
        return gettext("Chờ người nộp thanh toán phí, lệ phí"), []
    if kind in ("payment_cancelled", "payment_failed"):
        return gettext("Giao dịch thanh toán %(ref)s không thành công (mã %(code)s)",
                       ref=p.get("reference"), code=p.get("response_code")), []
    if kind == "refund_handed_back":
        return gettext("Đã trả lại tiền mặt %(amount)s cho người nộp",
                       amount=vn_money(p.get("amount"))), []
    if kind == "incident_retried":
        return gettext("Thực hiện lại bước tự động sau sự cố"), []
    if kind == "apology_issued":
        return gettext("Lập phiếu xin lỗi lần %(n)s, hẹn lại ngày trả kết quả từ %(old)s sang "
                       "%(new)s. Lý do: %(reason)s", n=p.get("slip"), old=_iso_date(p.get("from")),
                       new=_iso_date(p.get("to")), reason=p.get("reason")), []
    if kind == "marked_late":
        return gettext("Đánh dấu hồ sơ sẽ trễ hạn. Lý do: %(reason)s", reason=p.get("reason")), []
    if kind == "notice_sent":
        if p.get("kind") == "reminder":
            return gettext("Đã nhắc cán bộ xử lý trước hạn"), []
        if p.get("kind") == "late":
            return gettext("Đã gửi thông báo hẹn lại ngày trả kết quả cho người nộp"), []
        return gettext("Đã gửi thông báo"), []
    return gettext("Sự kiện: %(kind)s", kind=kind), []


def entries(events: list[Event], procedure: Procedure, names: dict[str, str],
            lang: str = "vi") -> list[Entry]:
    out: list[Entry] = []
    for event in events:
        if event.type in HIDDEN:
            continue
        text, details = _text(event, procedure, lang)
        behalf = (event.payload or {}).get("on_behalf_of")
        out.append(Entry(at=event.at, who=actor_name(names, event.actor), text=text,
                         kind=event.type, details=details,
                         on_behalf_of=actor_name(names, behalf) if behalf else None))
    return out
