"""Sign-in, registration, lock-out, CSRF, security headers, role checks."""

from __future__ import annotations

from ..conftest import DEMO_PASSWORD, csrf_token, login


def test_login_and_logout(app, people):
    client = app.test_client()
    login(client, "tiepnhan")
    page = client.get("/").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Đăng xuất" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert "Đăng nhập" in client.get("/").get_data(as_text=True)


def test_wrong_password_then_lockout_with_a_clear_message(app, people):
    client = app.test_client()
    for _ in range(4):
        token = csrf_token(client, "/login")
        r = client.post("/login", data={"username": "congdan", "password": "sai", "csrf_token": token})
        assert r.status_code == 401 and "không đúng" in r.get_data(as_text=True)
    token = csrf_token(client, "/login")
    r = client.post("/login", data={"username": "congdan", "password": "sai", "csrf_token": token})
    assert "Tài khoản tạm khóa" in r.get_data(as_text=True)
    token = csrf_token(client, "/login")
    r = client.post("/login", data={"username": "congdan", "password": DEMO_PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 401 and "Tài khoản tạm khóa" in r.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(app, people):
    client = app.test_client()
    r = client.post("/login", data={"username": "congdan", "password": DEMO_PASSWORD})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)


def test_register_validates_and_signs_in(app, sessions):
    client = app.test_client()
    token = csrf_token(client, "/register")
    r = client.post("/register", data={"csrf_token": token, "username": "A!", "full_name": "",
                                       "id_number": "123", "phone": "12", "password": "short",
                                       "password2": "short"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    for message in ("3–64 ký tự", "Nhập họ và tên", "12 chữ số", "Số điện thoại", "tối thiểu 8"):
        assert message in body
    token = csrf_token(client, "/register")
    r = client.post("/register", data={"csrf_token": token, "username": "vuthilan",
                                       "full_name": "Vũ Thị Lan", "id_number": "001199000777",
                                       "phone": "0987654321", "email": "lan@example.vn",
                                       "password": "mat-khau-dai", "password2": "mat-khau-dai"})
    assert r.status_code == 302
    assert "Vũ Thị Lan" in client.get("/").get_data(as_text=True)


def test_security_headers(app):
    r = app.test_client().get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(sessions, people):
    from web.app import create_app

    app = create_app(sessions, TESTING=True, RATELIMIT_ENABLED=False, SECRET_KEY="x")
    client = app.test_client()
    token = csrf_token(client, "/login")
    r = client.post("/login", data={"username": "congdan", "password": DEMO_PASSWORD,
                                    "csrf_token": token})
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_board_needs_an_officer(app, people):
    client = app.test_client()
    assert client.get("/board").status_code == 302
    login(client, "congdan")
    assert client.get("/board").status_code == 403
    officer = login(app.test_client(), "chuyenvien")
    assert officer.get("/board").status_code == 200


def test_english_switch(app, people):
    client = app.test_client()
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and ">Sign in<" in page and "Username" in page


def test_signed_in_post_without_csrf_gets_the_friendly_400(app, people):
    client = login(app.test_client(), "congdan")
    r = client.post("/logout", data={})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert "Nguyễn Văn An" in r.get_data(as_text=True)  # the page still knows who is signed in
