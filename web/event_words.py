"""What each event of a dossier's log means, in words, for each audience: the officers
who handle the dossier and its applicant. Both timelines read events through
`describe`, so an event's wording lives here alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from engine.audit.event_types import EventType as E
from engine.dossiers.messages import WITHDRAWAL
from engine.models import Dossier, Event
from engine.procedures.bundle import Procedure

from .formats import status_name, vn_date, vn_money
from .officer.people import role_name
from .officer.readable import Item, decision_text
from .officer.readable import describe as form_items


class Audience(StrEnum):
    OFFICER = "officer"
    APPLICANT = "applicant"


@dataclass(frozen=True)
class Reading:
    """What the wording needs besides the event: the procedure (its steps and forms),
    the language of the page, and, for the applicant, the dossier and the elements whose
    notices go to them (see `notices_to_applicant`)."""

    procedure: Procedure | None = None
    lang: str = "vi"
    dossier: Dossier | None = None
    to_applicant: frozenset[str] = frozenset()


@dataclass
class Told:
    text: str
    details: list[Item] = field(default_factory=list)  # the officer's form, field by field
    detail: str | None = None  # what an officer wrote for the applicant


Words = Callable[[Event, Reading], "Told | None"]

CHANNELS = {"online": _l("trực tuyến"), "counter": _l("trực tiếp tại Bộ phận Một cửa"),
            "postal": _l("qua dịch vụ bưu chính")}
# Fields of officers' forms that are written for the applicant (printed on the
# slip sent to them); everything else an officer enters stays internal.
REQUEST_FIELDS = ("noi_dung_yeu_cau_bo_sung", "yeu_cau_bo_sung_tham_dinh")
REASON_FIELDS = ("ly_do_tu_choi_tiep_nhan", "ly_do_khong_giai_quyet")


def describe(event: Event, audience: Audience, reading: Reading) -> Told | None:
    """The event in words for the audience, or None when it is not theirs to see."""
    officer, applicant = WORDS.get(event.type, (_unknown, None))
    words = officer if audience is Audience.OFFICER else applicant
    return words(event, reading) if words is not None else None


def _day(value: Any) -> str:
    try:
        return vn_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _step(reading: Reading, element_id: str | None) -> str:
    info = reading.procedure.tasks.get(element_id or "") if reading.procedure else None
    return info.name if info is not None else str(element_id)


def request_of(event: Event) -> str | None:
    """The supplement request an officer wrote for the applicant in this event, if any."""
    data = event.payload.get("data") or {}
    for key in REQUEST_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key])
    return None


def notices_to_applicant(history: list[Event]) -> frozenset[str]:
    """Elements whose notices go to the applicant (reminders to officers do not)."""
    return frozenset(str(e.payload.get("element_id")) for e in history
                     if e.type == E.JOB_QUEUED and e.payload.get("operator") == "notify.send"
                     and (e.payload.get("params") or {}).get("recipient", "applicant")
                     == "applicant")


def _said(text: Any) -> Words:
    """Words that need nothing from the event (`text`: a lazy_gettext string)."""
    return lambda event, reading: Told(str(text))


def _unknown(event: Event, reading: Reading) -> Told:
    return Told(gettext("Sự kiện: %(kind)s", kind=event.type))


# -- submitted, steps and timers ---------------------------------------------------

def _submitted(event: Event, reading: Reading) -> Told:
    channel = (event.payload.get("data") or {}).get("channel", "online")
    return Told(gettext("Nộp hồ sơ %(channel)s", channel=str(CHANNELS.get(channel, channel))))


def _task_created(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Chuyển đến bước “%(step)s” (%(role)s – %(department)s)",
                        step=p.get("name") or _step(reading, p.get("element_id")),
                        role=role_name(str(p.get("role") or "citizen")),
                        department=p.get("department") or "—"))


def _task_completed(event: Event, reading: Reading) -> Told:
    p = event.payload
    procedure = reading.procedure
    info = procedure.tasks.get(p.get("element_id") or "") if procedure else None
    schema = procedure.forms.get(info.form or "", {}) if procedure and info else {}
    data = p.get("data") or {}
    decision = decision_text(schema, data, reading.lang)
    step = _step(reading, p.get("element_id"))
    text = (gettext("Hoàn thành bước “%(step)s”: %(decision)s", step=step, decision=decision)
            if decision else gettext("Hoàn thành bước “%(step)s”", step=step))
    return Told(text, form_items(schema, data, reading.lang))


def _task_completed_for_applicant(event: Event, reading: Reading) -> Told | None:
    data = event.payload.get("data") or {}
    dossier = reading.dossier
    if dossier is not None and dossier.applicant_user and event.actor == dossier.applicant_user:
        return Told(gettext("Bạn đã nộp bổ sung hồ sơ."),
                    detail=data.get("noi_dung_bo_sung") if isinstance(data, dict) else None)
    request = request_of(event)
    if request:
        return Told(gettext("Cơ quan giải quyết yêu cầu bổ sung, hoàn thiện hồ sơ."),
                    detail=request)
    for key in REASON_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            text = (gettext("Hồ sơ không được tiếp nhận.") if key == "ly_do_tu_choi_tiep_nhan"
                    else gettext("Hồ sơ không được giải quyết."))
            return Told(text, detail=gettext("Lý do: %(reason)s", reason=data[key]))
    return None


def _on_step(words: Callable[[str], str]) -> Words:
    """Words about the event's step: `words` is given the step's name."""
    return lambda event, reading: Told(words(_step(reading, event.payload.get("element_id"))))


# -- service steps ------------------------------------------------------------------

def _message(event: Event, reading: Reading) -> Told:
    data = event.payload.get("data") or {}
    return Told(gettext("Nhận thông điệp “%(name)s” từ %(source)s tại bước %(step)s",
                        name=data.get("name") or "?", source=event.actor,
                        step=_step(reading, event.payload.get("element_id"))))


def _message_sent(event: Event, reading: Reading) -> Told:
    return Told(gettext("Gửi thông điệp “%(name)s” cho hồ sơ liên quan",
                        name=event.payload.get("name") or "?"))


def _message_for_applicant(event: Event, reading: Reading) -> Told | None:
    """The applicant sees their own withdrawal request; other messages are the agencies'."""
    data = event.payload.get("data") or {}
    if data.get("name") != WITHDRAWAL:
        return None
    return Told(gettext("Bạn đã yêu cầu rút hồ sơ."),
                detail=str((data.get("payload") or {}).get("ly_do") or "") or None)


def _signal_sent(event: Event, reading: Reading) -> Told:
    return Told(gettext("Phát tín hiệu “%(name)s” cho các hồ sơ đang chờ",
                        name=event.payload.get("name") or "?"))


def _signal(event: Event, reading: Reading) -> Told:
    data = event.payload.get("data") or {}
    return Told(gettext("Nhận tín hiệu “%(name)s” từ %(source)s tại bước %(step)s",
                        name=data.get("name") or "?", source=event.actor,
                        step=_step(reading, event.payload.get("element_id"))))


def _service_error(event: Event, reading: Reading) -> Told:
    data = event.payload.get("data") or {}
    return Told(gettext("Bước tự động %(step)s trả lời: %(message)s (%(code)s)",
                        step=_step(reading, event.payload.get("element_id")),
                        message=data.get("message") or "—", code=data.get("code") or "?"))


def _service(event: Event, reading: Reading) -> Told:
    payload = event.payload
    operator = payload.get("operator", "")
    data = payload.get("data") or {}
    if operator == "fee.collect":
        if data.get("status") == "waived":
            return Told(gettext("Lệ phí được miễn"))
        return Told(gettext("Đã thu phí, lệ phí %(amount)s", amount=vn_money(data.get("amount"))))
    if operator == "fee.refund":
        if data.get("status") == "refunded":
            return Told(gettext("Đã hoàn trả phí, lệ phí %(amount)s",
                                amount=vn_money(data.get("amount"))))
        if data.get("status") == "refund_due":
            return Told(gettext("Phải hoàn trả %(amount)s tiền mặt tại Bộ phận Một cửa",
                                amount=vn_money(data.get("amount"))))
        return Told(gettext("Không có khoản phí, lệ phí cần hoàn trả"))
    if operator == "notify.send":
        return _notice_outcome(data)
    if operator == "result.render":
        return Told(gettext("Đã lập văn bản kết quả"))
    if operator == "result.sign":
        if data.get("signed") and data.get("organisation"):
            return Told(gettext("Cơ quan đã ký số, phát hành văn bản kết quả"))
        if data.get("signed"):
            return Told(gettext("Đã ký số văn bản kết quả"))
        return Told(gettext("Văn bản kết quả chưa được ký số (%(reason)s)",
                            reason=data.get("reason", "")))
    if operator == "result.deliver":
        return Told(gettext("Đã trả kết quả"))
    if operator == "portal.sync":
        return Told(gettext("Đã đồng bộ trạng thái lên Cổng Dịch vụ công quốc gia"))
    return Told(gettext("Hệ thống đã thực hiện: %(step)s",
                        step=_step(reading, payload.get("element_id"))))


def _service_for_applicant(event: Event, reading: Reading) -> Told | None:
    data = event.payload.get("data") or {}
    operator = event.payload.get("operator")
    amount = vn_money(data.get("amount"))
    if operator == "fee.collect" and data.get("status") == "waived":
        return Told(gettext("Hồ sơ được miễn phí, lệ phí."))
    if operator == "fee.collect" and data.get("status") == "paid":
        return Told(gettext("Đã thanh toán phí, lệ phí %(amount)s.", amount=amount))
    if operator == "fee.refund" and data.get("status") == "refunded":
        return Told(gettext("Đã hoàn trả phí, lệ phí %(amount)s.", amount=amount))
    if operator == "fee.refund" and data.get("status") == "refund_due":
        return Told(gettext("Khoản phí, lệ phí %(amount)s sẽ được hoàn trả bằng tiền mặt "
                            "tại Bộ phận Một cửa.", amount=amount))
    if operator == "result.deliver" and data.get("available"):
        return Told(gettext("Kết quả đã sẵn sàng để tải về."))
    if operator == "notify.send" and data.get("subject") and data.get("sent") is not False and \
            event.payload.get("element_id") in reading.to_applicant:
        return Told(gettext("Đã gửi thông báo cho bạn: “%(subject)s”.", subject=data["subject"]))
    return None


# -- status and deadline ------------------------------------------------------------

def _status(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Trạng thái hồ sơ: %(old)s → %(new)s", old=status_name(str(p.get("from"))),
                        new=status_name(str(p.get("to")))))


def _status_for_applicant(event: Event, reading: Reading) -> Told:
    return Told(gettext("Trạng thái hồ sơ: %(status)s.", status=status_name(event.payload["to"])))


def _deadline_set(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Hẹn trả kết quả ngày %(date)s (%(days)s ngày làm việc)",
                        date=_day(p.get("appointment_date")), days=p.get("working_days")))


def _deadline_set_for_applicant(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext(
        "Hồ sơ đã được tiếp nhận. Ngày hẹn trả kết quả: %(day)s (%(n)s ngày làm việc).",
        day=_day(p.get("appointment_date")), n=p.get("working_days")))


def _deadline_extended(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Lùi ngày hẹn trả từ %(old)s đến %(new)s (tạm dừng %(days)s ngày làm việc)",
                        old=_day(p.get("from")), new=_day(p.get("to")),
                        days=p.get("paused_working_days")))


def _deadline_extended_for_applicant(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext(
        "Ngày hẹn trả kết quả được lùi từ %(old)s sang %(new)s: %(n)s ngày làm việc chờ bổ "
        "sung hoặc thanh toán không tính vào thời hạn giải quyết.",
        old=_day(p.get("from")), new=_day(p.get("to")), n=p.get("paused_working_days")))


def _apology(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Lập phiếu xin lỗi lần %(n)s, hẹn lại ngày trả kết quả từ %(old)s sang "
                        "%(new)s. Lý do: %(reason)s", n=p.get("slip"), old=_day(p.get("from")),
                        new=_day(p.get("to")), reason=p.get("reason")))


def _paper_copy(event: Event, reading: Reading) -> Told:
    p = event.payload
    text = gettext("In %(n)s bản giấy của văn bản kết quả số %(number)s cho %(who)s",
                   n=p.get("copies"), number=p.get("document_number") or "—",
                   who=p.get("recipient"))
    if p.get("fee_total"):
        text += gettext(" (phí %(amount)s)", amount=vn_money(p["fee_total"]))
    return Told(text)


def _marked_late(event: Event, reading: Reading) -> Told:
    return Told(gettext("Đánh dấu hồ sơ sẽ trễ hạn. Lý do: %(reason)s",
                        reason=event.payload.get("reason")))


def _notice_outcome(result: dict[str, Any]) -> Told:
    """What became of a notify.send: sent, skipped, or refused by every channel."""
    officers = result.get("recipient") == "officers"
    if result.get("skipped"):
        return Told(gettext("Không gửi thông báo: văn bản kết quả đã được gửi kèm thư điện tử"))
    if result.get("sent") is False and result.get("reason"):
        if officers:
            return Told(gettext("Không gửi được thông báo: cán bộ xử lý không có địa chỉ thư "
                                "điện tử hay số điện thoại"))
        return Told(gettext("Không gửi được thông báo: người nộp không có địa chỉ thư điện tử "
                            "hay số điện thoại"))
    if result.get("sent") is False:
        return Told(gettext("Không gửi được thông báo: %(subject)s",
                            subject=result.get("subject", "")))
    if officers:
        return Told(gettext("Đã gửi thông báo cho cán bộ xử lý: %(subject)s",
                            subject=result.get("subject", "")))
    return Told(gettext("Đã gửi thông báo cho người nộp: %(subject)s",
                        subject=result.get("subject", "")))


def _notice_sent(event: Event, reading: Reading) -> Told:
    result = event.payload.get("result") or {}
    if result.get("sent") is False:
        return _notice_outcome(result)
    if event.payload.get("kind") == "reminder":
        return Told(gettext("Đã nhắc cán bộ xử lý trước hạn"))
    if event.payload.get("template") == "late":
        return Told(gettext("Đã gửi thông báo hẹn lại ngày trả kết quả cho người nộp"))
    return Told(gettext("Đã gửi thông báo"))


# -- jobs and payments ---------------------------------------------------------------

def _job_waiting(event: Event, reading: Reading) -> Told:
    if event.payload.get("operator") == "fee.collect":
        return Told(gettext("Chờ người nộp thanh toán phí, lệ phí"))
    return Told(gettext("Bước tự động “%(step)s” chờ phản hồi từ bên ngoài",
                        step=_step(reading, event.payload.get("element_id"))))


def _shipment_delivered(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Đã phát kết quả qua bưu chính (%(carrier)s, số vận đơn %(number)s)",
                        carrier=p.get("carrier"), number=p.get("tracking_number")))


def _shipment_delivered_for_applicant(event: Event, reading: Reading) -> Told:
    return Told(gettext("Kết quả đã được phát đến bạn qua bưu chính (số vận đơn %(number)s).",
                        number=event.payload.get("tracking_number")))


def _payment_refused(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Giao dịch thanh toán %(ref)s không thành công (mã %(code)s)",
                        ref=p.get("reference"), code=p.get("response_code")))


def _refund_handed_back(event: Event, reading: Reading) -> Told:
    return Told(gettext("Đã trả lại tiền mặt %(amount)s cho người nộp",
                        amount=vn_money(event.payload.get("amount"))))


def _payment_late(event: Event, reading: Reading) -> Told:
    p = event.payload
    why = p.get("why")
    if why == "fee_settled":
        reason = gettext("phí, lệ phí đã được nộp trước đó (biên lai %(ref)s)",
                         ref=p.get("settled_by"))
    elif why == "not_waiting":
        reason = gettext("hồ sơ không còn chờ nộp phí, lệ phí")
    else:
        reason = gettext("giao dịch đã bị hủy trước khi ngân hàng xác nhận")
    return Told(gettext("Ngân hàng xác nhận muộn khoản thanh toán %(ref)s (%(amount)s) khi không "
                        "còn dùng để nộp phí, lệ phí: %(reason)s. Khoản tiền được hoàn trả qua "
                        "cổng thanh toán.", ref=p.get("reference"),
                        amount=vn_money(p.get("amount")), reason=reason))


def _payment_late_for_applicant(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Khoản thanh toán %(ref)s (%(amount)s) được ngân hàng xác nhận khi hồ sơ "
                        "không còn cần đến; khoản tiền này sẽ được hoàn trả cho bạn.",
                        ref=p.get("reference"), amount=vn_money(p.get("amount"))))


def _late_refunded(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Đã hoàn trả khoản thanh toán muộn %(ref)s (%(amount)s) qua cổng thanh "
                        "toán, chứng từ %(refund)s", ref=p.get("reference"),
                        amount=vn_money(p.get("amount")), refund=p.get("refund_reference")))


def _late_refunded_for_applicant(event: Event, reading: Reading) -> Told:
    p = event.payload
    return Told(gettext("Đã hoàn trả cho bạn khoản thanh toán %(ref)s (%(amount)s).",
                        ref=p.get("reference"), amount=vn_money(p.get("amount"))))


# Per event type: (the officers' words, the applicant's words); None: not shown to them.
# Types absent from the table are named as they are to officers, hidden from applicants.
WORDS: dict[str, tuple[Words | None, Words | None]] = {
    E.SUBMITTED: (_submitted, lambda event, reading: Told(gettext("Bạn đã nộp hồ sơ."))),
    E.TASK_CREATED: (_task_created, None),
    E.TASK_CLAIMED: (_on_step(lambda step: gettext("Nhận xử lý bước “%(step)s”", step=step)), None),
    E.TASK_RELEASED: (_on_step(lambda step: gettext("Trả lại bước “%(step)s” để người khác nhận", step=step)), None),
    E.TASK_COMPLETED: (_task_completed, _task_completed_for_applicant),
    E.SERVICE_COMPLETED: (_service, _service_for_applicant),
    E.SERVICE_ERROR: (_service_error, None),
    E.MESSAGE_RECEIVED: (_message, _message_for_applicant),
    E.SIGNAL_RECEIVED: (_signal, None),
    E.MESSAGE_SENT: (_message_sent, None),
    E.SIGNAL_SENT: (_signal_sent, None),
    E.TIMER_FIRED: (_on_step(lambda step: gettext("Hết thời gian chờ: %(step)s", step=step)), None),
    # bookkeeping the engine records for replay: news to nobody
    E.JOB_QUEUED: (None, None),
    E.CHECKPOINT: (None, None),
    E.TIMER_SET: (None, None),
    E.STATUS_CHANGED: (_status, _status_for_applicant),
    E.DEADLINE_SET: (_deadline_set, _deadline_set_for_applicant),
    E.DEADLINE_EXTENDED: (_deadline_extended, _deadline_extended_for_applicant),
    E.CLOCK_PAUSED: (_said(_l("Tạm dừng tính thời hạn trong thời gian chờ người nộp")),
                     _said(_l("Tạm dừng tính thời hạn giải quyết trong khi chờ bạn."))),
    E.CLOCK_RESUMED: (_said(_l("Tiếp tục tính thời hạn")),
                      _said(_l("Tiếp tục tính thời hạn giải quyết."))),
    E.VIEWED: (_said(_l("Đã xem hồ sơ")), None),
    E.INCIDENT_RAISED: (_on_step(lambda step: gettext("Sự cố khi thực hiện bước tự động: %(step)s", step=step)), None),
    E.INCIDENT_RETRIED: (_said(_l("Thực hiện lại bước tự động sau sự cố")), None),
    E.JOB_WAITING: (_job_waiting, None),
    E.PAYMENT_CANCELLED: (_payment_refused, None),
    E.PAYMENT_FAILED: (_payment_refused, None),
    E.PAYMENT_LATE: (_payment_late, _payment_late_for_applicant),
    E.LATE_PAYMENT_REFUNDED: (_late_refunded, _late_refunded_for_applicant),
    E.REFUND_HANDED_BACK: (_refund_handed_back, None),
    E.APOLOGY_ISSUED: (_apology, None),
    E.PAPER_COPY_PRINTED: (_paper_copy, None),
    E.MARKED_LATE: (_marked_late, None),
    E.NOTICE_SENT: (_notice_sent, None),
    E.SHIPMENT_DELIVERED: (_shipment_delivered, _shipment_delivered_for_applicant),
}
