"""The local PKI's services over HTTP, as one WSGI app for the web app to mount at
the PKI's base URL (by default `/pki`), or to serve on the loopback interface:

    POST /tsa                 RFC 3161 timestamps (application/timestamp-query)
    POST /ocsp                RFC 6960 OCSP (application/ocsp-request)
    GET  /crl/<ca>.crl        the current CRL of 'root-ca' or 'issuing-ca' (DER)
    GET  /ca/<ca>.crt         a CA certificate (DER)

The PKI is loaded on the first request (the folder may be initialised after the
app is made); its state is read on every request, so revocations made by another
process (the CLI) are seen at once. Only loopback clients are served unless
`loopback_only` is false.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives.serialization import Encoding

from . import ocsp
from .errors import PkiError
from .pki import ISSUING, ROOT, load_pki
from .timestamp import MAX_REQUEST_BYTES, WsgiApp, is_loopback, timestamp_authority, tsa_wsgi_app

CAS = (ROOT, ISSUING)


def _reply(
    start_response: Callable[..., Any], status: str, content_type: str, body: bytes
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def pki_wsgi_app(folder: Path | str, *, loopback_only: bool = True) -> WsgiApp:
    """The WSGI app of the PKI in `folder` (see the module docstring for its routes)."""
    pki = functools.cache(lambda: load_pki(folder))
    tsa = tsa_wsgi_app(
        functools.cache(lambda: timestamp_authority(pki())), loopback_only=loopback_only
    )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if loopback_only and not is_loopback(environ.get("REMOTE_ADDR")):
            return _reply(start_response, "403 Forbidden", "text/plain", b"loopback clients only")
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/tsa":
            return tsa(environ, start_response)
        if path == "/ocsp" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if not 0 < length <= MAX_REQUEST_BYTES:
                return _reply(start_response, "413 Content Too Large", "text/plain", b"bad length")
            answer = ocsp.response_for_request(pki(), environ["wsgi.input"].read(length))
            return _reply(start_response, "200 OK", "application/ocsp-response", answer)
        if method == "GET" and path.startswith("/crl/") and path.endswith(".crl"):
            label = path[len("/crl/") : -len(".crl")]
            if label in CAS:
                crl = pki().crl(label).public_bytes(Encoding.DER)
                return _reply(start_response, "200 OK", "application/pkix-crl", crl)
        if method == "GET" and path.startswith("/ca/") and path.endswith(".crt"):
            label = path[len("/ca/") : -len(".crt")]
            if label in CAS:
                cert = pki().authority(label).cert.public_bytes(Encoding.DER)
                return _reply(start_response, "200 OK", "application/pkix-cert", cert)
        return _reply(start_response, "404 Not Found", "text/plain", b"not found")

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_on_loopback(app: WsgiApp, port: int = 0, mount: str = "") -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a background thread for the `with` block; yields
    the base URL (`http://127.0.0.1:<port><mount>`). Port 0 picks a free port.
    For development and tests: one thread, no TLS, loopback only."""
    if mount and not mount.startswith("/"):
        raise PkiError("the mount point must start with '/'")

    def mounted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if mount and not path.startswith(mount + "/"):
            return _reply(start_response, "404 Not Found", "text/plain", b"not found")
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = mount, path[len(mount) :]
        return app(environ, start_response)

    server: WSGIServer = make_server("127.0.0.1", port, mounted, handler_class=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="signing-loopback",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{mount}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
