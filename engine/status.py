"""Dossier statuses of one-stop practice and the national portal's codes 1–10."""

from __future__ import annotations

SUBMITTED = "submitted"
RECEIVED = "received"
IN_PROGRESS = "in_progress"
SUPPLEMENT_REQUESTED = "supplement_requested"
AWAITING_PAYMENT = "awaiting_payment"
REJECTED = "rejected"
DONE = "done"
RETURNED = "returned"
WITHDRAWN = "withdrawn"

STATUS_NAMES: dict[str, tuple[str, str]] = {
    SUBMITTED: ("Chờ tiếp nhận", "Submitted"),
    RECEIVED: ("Đã tiếp nhận", "Received"),
    IN_PROGRESS: ("Đang xử lý", "In progress"),
    SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung", "Supplement requested"),
    AWAITING_PAYMENT: ("Chờ thanh toán", "Awaiting payment"),
    REJECTED: ("Từ chối", "Rejected"),
    DONE: ("Đã xử lý xong", "Done"),
    RETURNED: ("Đã trả kết quả", "Result returned"),
    WITHDRAWN: ("Rút hồ sơ", "Withdrawn"),
}

# Statuses a BPMN element may set through its dossierStatus property, weakest
# first: when several waiting tasks carry one, the strongest wins.
BPMN_STATUSES = (RECEIVED, IN_PROGRESS, DONE, AWAITING_PAYMENT, SUPPLEMENT_REQUESTED)
END_STATUSES = (REJECTED, DONE, RETURNED, WITHDRAWN)
FINAL_STATUSES = frozenset({REJECTED, RETURNED, WITHDRAWN})
# Waiting for the applicant stops the legal clock.
PAUSING_STATUSES = frozenset({SUPPLEMENT_REQUESTED, AWAITING_PAYMENT})

PORTAL_STATUS_NAMES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}


def portal_code(status: str, received: bool) -> int:
    """The national portal's status code. A rejection before reception is a refusal
    to receive (3); after reception it stops the processing (8)."""
    if status == REJECTED:
        return 8 if received else 3
    return {
        SUBMITTED: 1,
        RECEIVED: 2,
        IN_PROGRESS: 4,
        SUPPLEMENT_REQUESTED: 5,
        AWAITING_PAYMENT: 6,
        WITHDRAWN: 7,
        DONE: 9,
        RETURNED: 10,
    }[status]


def counts_as_received(status: str) -> bool:
    """The first move from submitted to one of these statuses is the reception."""
    return status not in (SUBMITTED, AWAITING_PAYMENT, SUPPLEMENT_REQUESTED, REJECTED, WITHDRAWN)
