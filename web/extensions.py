"""Flask extensions, created once and bound in `create_app`."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from engine import config


class SharedLimiter(Limiter):
    """The rate limits (sign-in, look-ups), counted where MOTCUA_RATELIMIT_STORAGE says:
    in each process (`memory://`) or in Redis, where every web process of every machine
    adds to the same counts. An app's RATELIMIT_STORAGE_URI and RATELIMIT_KEY_PREFIX win
    over the setting; a Redis that does not answer leaves each process counting on its
    own until it answers again, rather than failing the request."""

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_STORAGE_URI", config.ratelimit_storage())
        app.config.setdefault("RATELIMIT_KEY_PREFIX", "motcua")
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        # Limiter keeps the first app's prefix (its constructor's key_prefix) and whether
        # the first app's store failed; this app's prefix and new store count instead
        self._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
        self._storage_dead = False
        super().init_app(app)


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = SharedLimiter(key_func=get_remote_address, default_limits=[])
