"""Accounts administration and API tokens in the engine."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.accounts import accounts
from engine.db import transaction
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import ApiToken, User, utcnow

PASSWORD = "mat-khau-du-dai-1"


@pytest.fixture
def staff(sessions):
    with transaction(sessions) as s:
        accounts.create_user(s, "quantri", "Quản trị", PASSWORD, [("admin", "*")])
        accounts.create_user(s, "hoa", "Nguyễn Thị Hoa", PASSWORD,
                             [("reception", "MOTCUA"), ("specialist", "TUPHAP")])
    return sessions


def _user(s, username: str) -> User:
    user = accounts.find_user(s, username)
    assert user is not None
    return user


def test_set_roles_replaces_pairs_and_keeps_the_ones_kept(staff):
    with transaction(staff) as s:
        hoa = _user(s, "hoa")
        kept = next(r.id for r in hoa.roles if r.role == "reception")
        accounts.set_roles(s, hoa, [("reception", "MOTCUA"), ("leader", " LANHDAO "),
                                    ("leader", "LANHDAO")])
    with transaction(staff) as s:
        hoa = _user(s, "hoa")
        assert {(r.role, r.department) for r in hoa.roles} == {("reception", "MOTCUA"),
                                                               ("leader", "LANHDAO")}
        assert kept in {r.id for r in hoa.roles}


def test_set_roles_names_each_bad_pair(staff):
    with transaction(staff) as s, pytest.raises(InvalidInput) as err:
        accounts.set_roles(s, _user(s, "hoa"), [("chief", "X"), ("leader", "PHÒNG A"), ("leader", "")])
    assert set(err.value.errors) == {"roles.0.role", "roles.1.department", "roles.2.department"}


def test_last_active_admin_cannot_go(staff):
    with transaction(staff) as s:
        admin = _user(s, "quantri")
        with pytest.raises(Conflict):
            accounts.set_roles(s, admin, [("auditor", "*")])
        with pytest.raises(Conflict):
            accounts.deactivate_user(s, admin)
        accounts.create_user(s, "quantri2", "Quản trị 2", PASSWORD, [("admin", "*")])
        accounts.deactivate_user(s, admin)
        assert not admin.active


def test_deactivate_refuses_sign_in_and_revokes_tokens_reactivate_restores_sign_in(staff):
    with transaction(staff) as s:
        _, clear = accounts.create_api_token(s, _user(s, "hoa"), "phần mềm một cửa")
        accounts.deactivate_user(s, _user(s, "hoa"), by="quantri")
    with transaction(staff) as s:
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(s, "hoa", PASSWORD)
        assert accounts.verify_api_token(s, clear) is None
        assert s.scalar(select(ApiToken.revoked_at)) is not None
        accounts.reactivate_user(s, _user(s, "hoa"))
    with transaction(staff) as s:
        assert accounts.authenticate(s, "hoa", PASSWORD).username == "hoa"
        assert accounts.verify_api_token(s, clear) is None  # revoked tokens stay revoked


def test_unlock_lifts_a_lockout(staff):
    with transaction(staff) as s:
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(s, "hoa", "sai")
        assert accounts.is_locked(_user(s, "hoa"))
    with transaction(staff) as s:
        accounts.unlock_user(s, _user(s, "hoa"))
    with transaction(staff) as s:
        assert not accounts.is_locked(_user(s, "hoa"))
        assert accounts.authenticate(s, "hoa", PASSWORD).username == "hoa"


def test_list_users_filters_and_pages(staff):
    with transaction(staff) as s:
        for i in range(5):
            accounts.create_user(s, f"dan{i}", f"Đỗ Văn {i}", None, [("citizen", "*")])
        users, total = accounts.list_users(s, role="citizen", limit=2, offset=2)
        assert total == 5 and [u.username for u in users] == ["dan2", "dan3"]
        assert [u.username for u in accounts.list_users(s, search="Đỗ Văn 4")[0]] == ["dan4"]
        assert [u.username for u in accounts.list_users(s, search="HOA")[0]] == ["hoa"]


def test_token_create_verify_revoke(staff):
    with transaction(staff) as s:
        hoa = _user(s, "hoa")
        token, clear = accounts.create_api_token(s, hoa, "tích hợp")
        assert clear.startswith(accounts.TOKEN_PREFIX) and len(clear) > 40
        assert token.token_hash == accounts.token_hash(clear) and clear not in token.token_hash
        token_id = token.id
    with transaction(staff) as s:
        user = accounts.verify_api_token(s, clear)
        assert user is not None and user.username == "hoa"
        assert s.get(ApiToken, token_id).last_used_at is not None
        assert accounts.verify_api_token(s, clear + "x") is None
        assert accounts.verify_api_token(s, "not-a-token") is None
        with pytest.raises(NotFound):  # someone else's token is not theirs to revoke
            accounts.revoke_api_token(s, _user(s, "quantri"), token_id)
        accounts.revoke_api_token(s, _user(s, "hoa"), token_id)
    with transaction(staff) as s:
        assert accounts.verify_api_token(s, clear) is None


def test_token_use_is_recorded_at_most_once_a_minute(staff):
    with transaction(staff) as s:
        token, clear = accounts.create_api_token(s, _user(s, "hoa"), "đồng bộ")
        now = utcnow()
        accounts.verify_api_token(s, clear, now)
        accounts.verify_api_token(s, clear, now + timedelta(seconds=30))
        assert token.last_used_at == now
        accounts.verify_api_token(s, clear, now + timedelta(minutes=2))
        assert token.last_used_at == now + timedelta(minutes=2)


def test_token_needs_a_name(staff):
    with transaction(staff) as s, pytest.raises(InvalidInput):
        accounts.create_api_token(s, _user(s, "hoa"), "  ")


# -- motcua users ------------------------------------------------------------------

@pytest.fixture
def cli(db_url, monkeypatch):
    from click.testing import CliRunner

    from web.cli import main

    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)

    def run(*args: str, input: str | None = None, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args), input=input)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_create_admin_reads_the_password_from_stdin(cli, db_url):
    from engine import db

    out = cli("users", "create-admin", "QuanTri", "--name", "Quản trị viên", "--password-stdin",
              input="mot-mat-khau-dai\n")
    assert "administrator quantri created" in out
    sessions = db.session_factory(db.make_engine(db_url))
    with transaction(sessions) as s:
        user = accounts.authenticate(s, "quantri", "mot-mat-khau-dai")
        assert [(r.role, r.department) for r in user.roles] == [("admin", "*")]
    listing = cli("users", "list")
    assert "quantri" in listing and "admin@*" in listing and "yes" in listing
    cli("users", "create-admin", "quantri", "--name", "Lần hai", "--password-stdin",
        input="mot-mat-khau-dai\n", code=2)  # taken: a conflict


def test_create_admin_refuses_a_short_password_and_a_bad_username(cli):
    out = cli("users", "create-admin", "ngan", "--name", "Ngắn", "--password-stdin",
              input="11-ky-tu-ab\n", code=1)
    assert "at least 12 characters" in out
    cli("users", "create-admin", "có dấu", "--name", "X", "--password-stdin",
        input="mot-mat-khau-dai\n", code=2)
    assert "ngan" not in cli("users", "list", "--all")


def test_create_admin_prompts_twice_without_stdin_flag(cli):
    cli("users", "create-admin", "quantri", "--name", "Quản trị",
        input="mot-mat-khau-dai\nmot-mat-khau-dai\n")
    listing = cli("users", "list")
    assert "quantri" in listing


def test_users_list_hides_citizens_unless_asked(cli, sessions):
    with transaction(sessions) as s:
        accounts.create_user(s, "congdan", "Nguyễn Văn An", PASSWORD, [("citizen", "*")])
        accounts.create_user(s, "hoa", "Nguyễn Thị Hoa", PASSWORD, [("reception", "MOTCUA")])
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(s, "hoa", "sai")
    staff = cli("users", "list")
    assert "hoa" in staff and "reception@MOTCUA" in staff and "congdan" not in staff
    assert re.search(r"hoa\s+yes\s+\d{4}-\d\d-\d\d \d\d:\d\d", staff)
    assert "congdan" in cli("users", "list", "--all")
