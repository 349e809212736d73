"""Completing a human task: one path for the officers' task page and the JSON API.

Who may act (role, department, delegation, a colleague's claim), consent to sign with a
passphrase that opens the officer's own key, then the engine's input (form data, the
apology slip an overdue dossier needs, a task already completed or a stale revision)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.accounts.signing_grants import grant
from engine.dossiers.runner import complete_task
from engine.errors import Conflict, MotcuaError
from engine.models import Dossier, HumanTask
from engine.procedures.bundle import Procedure
from engine.procedures.procedures import load_version
from signing import WrongPassphrase, same_organisation

from . import signing_keys
from .formats import vn_date
from .identity import Actor
from .officer.people import ClaimedByOther, actor_name, authority, full_names


class ClaimedByColleague(Conflict):
    """Another officer, whom the actor does not act for, has claimed the task."""

    def __init__(self, message: str, assignee: str, **context: object) -> None:
        super().__init__(message, claimed_by=assignee, **context)
        self.assignee = assignee


class SigningRefused(MotcuaError):
    """The approval signs the result, and the consent to sign cannot be accepted.
    `passphrase_at_fault`: the passphrase is missing or does not open the key (the
    field is wrong); otherwise the officer's key or certificate cannot sign."""

    http_status = 422

    def __init__(self, message: str, passphrase_at_fault: bool, **context: object) -> None:
        super().__init__(message, **context)
        self.passphrase_at_fault = passphrase_at_fault


@dataclass(frozen=True)
class Completed:
    dossier: Dossier
    task: HumanTask
    signed: bool  # the officer approved with "sign and approve"
    on_behalf_of: str | None


def signs_result(procedure: Procedure, task: HumanTask, data: dict[str, Any]) -> bool:
    """Whether completing the task with `data` approves a result that the officer signs."""
    info = procedure.tasks.get(task.element_id)
    signs_on = info.signs_result_on if info is not None else None
    return bool(signs_on) and signs_on in {v for v in data.values() if isinstance(v, str)}


def consent_problem(username: str, passphrase: str, settings: dict[str, Any]
                    ) -> SigningRefused | None:
    """Why the officer's consent to sign cannot be accepted, or None when the passphrase
    opens their key, its certificate is valid today, not revoked, and issued to the agency
    issuing the result (`settings`: the procedure's)."""
    if not passphrase:
        return SigningRefused(gettext("Nhập mật khẩu khóa ký số để ký và phê duyệt."), True)
    try:
        cert = signing_keys.unlock(username, passphrase, str(settings["agency"]))
    except signing_keys.NoSigningKey:
        return SigningRefused(gettext(
            "Bạn chưa được cấp chứng thư số để ký văn bản; liên hệ quản trị hệ thống."), False)
    except WrongPassphrase:
        return SigningRefused(gettext("Mật khẩu khóa ký số không đúng."), True)
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return SigningRefused(gettext("Chứng thư số của bạn đã hết hạn ngày %(date)s; không thể ký.",
                                      date=vn_date(cert.not_valid_after_utc)), False)
    if signing_keys.revoked(cert):
        return SigningRefused(gettext("Chứng thư số của bạn đã bị thu hồi; không thể ký."), False)
    agency = str(settings.get("agency_name_vi") or settings["agency"])
    organisation = signing_keys.organisation(cert)
    if not same_organisation(organisation, agency):
        return SigningRefused(gettext(
            "Chứng thư số của bạn cấp cho %(organisation)s, không phải %(agency)s — cơ quan "
            "cấp văn bản này; không thể ký. Liên hệ quản trị hệ thống để được cấp chứng thư "
            "số của %(agency)s.", organisation=organisation or "—", agency=agency), False)
    return None


def acting_for(session: Session, actor: Actor, task: HumanTask) -> str | None:
    """Whom the actor acts for on the task (None: themselves). Raises Forbidden when the
    task is not for a role and department they hold, ClaimedByColleague when another
    officer has claimed it."""
    try:
        return authority(session, actor, task)
    except ClaimedByOther as other:
        name = actor_name(full_names(session, [other.assignee]), other.assignee)
        raise ClaimedByColleague(gettext(
            "Việc này đang do %(name)s xử lý; bạn không thể hoàn thành thay.", name=name),
            other.assignee, task=task.id) from None


def complete(session: Session, actor: Actor, task: HumanTask, data: dict[str, Any], *,
             passphrase: str | None, expected_revision: int | None = None) -> Completed:
    """Complete `task` as `actor` with its form data; an approval that signs the result
    records the consent to sign (the passphrase sealed) in the same transaction.
    Raises Forbidden, ClaimedByColleague, SigningRefused before anything is recorded;
    the engine's InvalidInput, Conflict (already completed, stale revision) and
    SlipRequired (overdue: an apology slip first) from the step itself."""
    on_behalf = acting_for(session, actor, task)
    dossier = session.get(Dossier, task.dossier_id)
    assert dossier is not None
    procedure = load_version(session, dossier.procedure_version_id)
    signing = signs_result(procedure, task, data)
    if signing:
        refused = consent_problem(actor.username, passphrase or "", procedure.settings)
        if refused is not None:
            raise refused
    dossier = complete_task(session, task.id, data, actor=actor.username,
                            expected_revision=expected_revision, on_behalf_of=on_behalf)
    if signing:
        grant(session, dossier, actor.username, task.element_id, passphrase or "")
    return Completed(dossier, task, signing, on_behalf)
