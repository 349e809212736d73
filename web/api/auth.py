"""Bearer-token authentication for every API route but the OpenAPI document."""

from __future__ import annotations

from flask import Response, g, request
from flask_babel import gettext

from engine.accounts.accounts import verify_api_token
from engine.errors import MotcuaError

from ..identity import Actor, db
from . import bp

PUBLIC_ENDPOINTS = {"api.openapi"}


class Unauthenticated(MotcuaError):
    """No token, or one that is unknown, revoked or belongs to a deactivated account."""

    http_status = 401


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(gettext(
            "Thiếu khóa truy cập: gửi tiêu đề “Authorization: Bearer …” kèm khóa API."))
    user = verify_api_token(db(), token.strip())
    if user is None:
        raise Unauthenticated(gettext(
            "Khóa truy cập không hợp lệ, đã bị thu hồi, hoặc tài khoản đã bị vô hiệu hóa."))
    g.api_actor = Actor(user)


@bp.after_request
def challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def api_actor() -> Actor:
    """Whom the request's token belongs to."""
    return g.api_actor
