"""How roles are named on the administrators' pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "reception": _l("Một cửa (tiếp nhận, trả kết quả)"),
    "specialist": _l("Chuyên viên"),
    "leader": _l("Lãnh đạo"),
    "citizen": _l("Công dân, doanh nghiệp"),
    "analyst": _l("Phân tích quy trình"),
    "auditor": _l("Kiểm tra, kiểm toán"),
    "admin": _l("Quản trị hệ thống"),
}
