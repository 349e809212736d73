"""notify.send: a message to the applicant (or the assignee), written as an
RFC 5322 file to the instance mail folder until an SMTP server is configured."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from engine import config
from engine.operators import JobContext, register

SUBJECTS = {
    "received": "Hồ sơ {code} đã được tiếp nhận",
    "supplement": "Hồ sơ {code} cần bổ sung",
    "rejected": "Hồ sơ {code} không được giải quyết",
    "result_ready": "Hồ sơ {code} đã có kết quả",
    "reminder": "Nhắc việc: hồ sơ {code} sắp đến hạn",
}


@register("notify.send")
def send(ctx: JobContext) -> dict[str, Any]:
    template = str(ctx.params.get("template", "status"))
    recipient = str(ctx.params.get("recipient", "applicant"))
    subject = SUBJECTS.get(template, "Cập nhật hồ sơ {code}").format(code=ctx.dossier_code)
    app = ctx.dossier.get("application") or {}
    to = app.get("email") if recipient == "applicant" else None
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "motcua@localhost"
    message["To"] = to or f"{recipient}@localhost"
    message["X-Motcua-Dossier"] = ctx.dossier_code
    message.set_content(
        f"{subject}.\nTrạng thái: {ctx.dossier['status']}\n"
        f"Ngày hẹn trả kết quả: {ctx.dossier.get('appointment_date') or '-'}\n"
    )
    folder = config.instance_dir() / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ctx.idempotency_key.replace('/', '_')}.eml"
    path.write_bytes(bytes(message))  # same key, same file: a retry sends nothing twice
    return {"channel": "mailbox", "to": message["To"], "subject": subject, "file": path.name}
