"""Where the app may send a browser back to: a path on this site, never another host."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def local_path(target: str | None, fallback: str) -> str:
    """The target as a path on this site, or the fallback. Browsers drop tabs and line
    breaks from a URL and read a backslash as a slash, so '/\\t/evil' or '/\\\\evil' would
    reach another host: those are taken out before the target is judged."""
    if not target:
        return fallback
    path = _CONTROL.sub("", target).replace("\\", "/").strip()
    parts = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or parts.scheme or parts.netloc:
        return fallback
    return path


def local_referrer(referrer: str | None, host_url: str, fallback: str) -> str:
    """The page the request came from, when it is on this site; else the fallback."""
    if not referrer or not referrer.startswith(host_url):
        return fallback
    return local_path("/" + referrer[len(host_url):], fallback)
