"""The account log: every change to who may act is recorded with who made it, in one
hash chain that concurrent writers never fork and that names an edited or removed row."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import delete, select, update

from engine.accounts import accounts
from engine.audit.account_log import entries, record, verify_log
from engine.db import transaction
from engine.dossiers.officers import delegate, revoke_delegation
from engine.models import AccountEvent, User

from ..conftest import login


def _user(s, username: str) -> User:
    return s.scalar(select(User).where(User.username == username))


def test_each_change_to_who_may_act_is_recorded_with_who_made_it(sessions, people):
    with transaction(sessions) as s:
        user = accounts.create_user(s, "canbo_moi", "Cán bộ Mới", "mat-khau-dai-du",
                                    [("specialist", "TUPHAP")], by="admin")
        accounts.set_roles(s, user, [("specialist", "TUPHAP"), ("leader", "LANHDAO")], by="admin")
        accounts.set_roles(s, user, [("specialist", "TUPHAP"), ("leader", "LANHDAO")], by="admin")
        accounts.deactivate_user(s, user, by="admin")
        accounts.reactivate_user(s, user, by="admin")
        token, clear = accounts.create_api_token(s, user, "máy chủ báo cáo")
        accounts.revoke_api_token(s, user, token.id)
        given = delegate(s, "lanhdao", "canbo_moi", date(2026, 3, 2), date(2026, 3, 6), "Đi công tác")
        revoke_delegation(s, given.id, "lanhdao")
    with transaction(sessions) as s:
        rows = list(reversed(entries(s, "canbo_moi")))
        assert [(r.action, r.actor) for r in rows] == [
            ("account_created", "admin"), ("roles_changed", "admin"),  # the unchanged save: nothing
            ("deactivated", "admin"), ("reactivated", "admin"),
            ("api_token_created", "canbo_moi"), ("api_token_revoked", "canbo_moi"),
            ("delegation_given", "lanhdao"), ("delegation_ended", "lanhdao")]
        assert rows[1].details == {"before": [["specialist", "TUPHAP"]],
                                   "after": [["leader", "LANHDAO"], ["specialist", "TUPHAP"]]}
        assert rows[6].details["delegator"] == "lanhdao" and rows[6].details["end"] == "2026-03-06"
        assert clear not in json.dumps([r.details for r in rows])  # never the token itself
        assert verify_log(s).ok


def test_an_edited_or_removed_row_is_named(sessions, people):
    with transaction(sessions) as s:
        ids = [record(s, "roles_changed", "chuyenvien", {"n": i}, "admin").id for i in range(3)]
    with transaction(sessions) as s:
        s.execute(update(AccountEvent).where(AccountEvent.id == ids[1]).values(
            details={"n": 1, "after": [["admin", "*"]]}))
        check = verify_log(s)
        assert not check.ok and check.first_bad_id == ids[1] and "edited" in check.reason
    with transaction(sessions) as s:
        s.execute(delete(AccountEvent).where(AccountEvent.id == ids[1]))
        check = verify_log(s)
        assert not check.ok and check.first_bad_id == ids[2] and "removed" in check.reason


def test_concurrent_writers_keep_one_chain(sessions, people):
    def write(i: int) -> None:
        with transaction(sessions) as s:
            record(s, "unlocked", f"user{i}", {"i": i}, "admin")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, range(30)))
    with transaction(sessions) as s:
        check = verify_log(s)
        assert check.ok, check
        assert len(entries(s, limit=1000)) == check.events


def test_administrators_and_auditors_read_the_log(app, sessions, people):
    admin = login(app.test_client(), "admin")
    with transaction(sessions) as s:
        user_id = _user(s, "chuyenvien").id
    page = admin.get(f"/quan-tri/nguoi-dung/{user_id}").get_data(as_text=True)
    assert 'id="account-history"' in page and 'data-action="account_created"' in page
    body = login(app.test_client(), "kiemtoan").get("/quan-tri/nhat-ky-tai-khoan?tai_khoan=lanhdao")
    text = body.get_data(as_text=True)
    assert body.status_code == 200 and 'id="log-verdict" class="ok"' in text
    assert 'data-target="lanhdao"' in text and 'data-target="chuyenvien"' not in text
    assert login(app.test_client(), "chuyenvien").get("/quan-tri/nhat-ky-tai-khoan").status_code \
        == 403


def test_the_daily_seal_covers_the_account_log(app, sessions, people):
    from connectors.audit_seal import seal_now
    from engine.audit.account_log import _digest
    from engine.audit.events import GENESIS
    from web.seal_checks import account_seal_verdicts

    from ..conftest import at

    seal = seal_now(sessions, at("2026-03-02 09:00"))
    assert seal is not None and seal.leaves == 0 and seal.account_head  # only accounts grew
    assert seal_now(sessions, at("2026-03-03 09:00")) is None  # nothing grew since
    with transaction(sessions) as s:
        [verdict] = account_seal_verdicts(s)
        assert verdict.ok
    # rewrite the log consistently: give chuyenvien the leader role from the start
    with transaction(sessions) as s:
        prev = GENESIS
        for row in s.scalars(select(AccountEvent).order_by(AccountEvent.id)):
            details = ({"roles": [["leader", "LANHDAO"]]} if row.target == "chuyenvien"
                       else row.details)
            digest = _digest(prev, row.at, row.actor, row.action, row.target, details)
            s.execute(update(AccountEvent).where(AccountEvent.id == row.id).values(
                details=details, prev_hash=prev, hash=digest))
            prev = digest
    with transaction(sessions) as s:
        assert verify_log(s).ok  # the chain alone cannot tell
        [verdict] = account_seal_verdicts(s)
        assert not verdict.ok and not verdict.proof.row_matches
    body = login(app.test_client(), "kiemtoan").get("/quan-tri/nhat-ky-tai-khoan")
    assert 'id="log-seals" class="bad"' in body.get_data(as_text=True)
