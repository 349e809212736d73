"""An RFC 3161 timestamp authority (TSA), offline.

`TimestampAuthority` turns timestamp requests into signed responses with the TSA
key and certificate of the local PKI (RSA or EC; the key is parsed once).
`InProcessTimeStamper` hands it to pyHanko directly; `tsa_wsgi_app` serves it
over HTTP (POST application/timestamp-query → application/timestamp-reply) for
the web app to mount; `http_timestamper` is pyHanko's HTTP client pointed at such
a URL, on the loopback interface unless told otherwise.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .certs import PrivateKey, to_asn1
from .errors import TimestampError
from .vntime import now_utc

if TYPE_CHECKING:
    from .pki import LocalPki

# A UUID-derived OID (ITU-T X.667 arc 2.25) naming "motcua development TSA
# policy"; it needs no registration and nobody else will use it.
TSA_POLICY = "2.25.247105262616064716318385069733911427723"
ACCEPTED_DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
MAX_REQUEST_BYTES = 16 * 1024
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TimeStampResponse(tsp.TimeStampResp):
    """RFC 3161 TimeStampResp, whose timeStampToken is OPTIONAL (absent when the
    request is refused); asn1crypto's own class makes it mandatory."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _rejection(fail_info: str, text: str) -> TimeStampResponse:
    return TimeStampResponse(
        {
            "status": tsp.PKIStatusInfo(
                {
                    "status": "rejection",
                    "status_string": [text],
                    "fail_info": tsp.PKIFailureInfo({fail_info}),
                }
            )
        }
    )


class TimestampAuthority:
    """Answers RFC 3161 requests with tokens signed by the TSA key."""

    def __init__(
        self,
        certificate: x509.Certificate,
        key: PrivateKey,
        chain: Iterable[x509.Certificate] = (),
        *,
        policy: str = TSA_POLICY,
        clock: Callable[[], datetime] = now_utc,
    ):
        self.certificate = certificate
        self._key = key
        self._cert = to_asn1(certificate)
        self._chain = [to_asn1(c) for c in chain]
        self.policy = policy
        self.clock = clock

    def respond(self, request: tsp.TimeStampReq) -> TimeStampResponse:
        """The response to one request: a granted token, or a rejection that says why."""
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in ACCEPTED_DIGESTS:
            return _rejection("bad_alg", f"digest {algorithm} is not accepted")
        if len(imprint["hashed_message"].native) != ACCEPTED_DIGESTS[algorithm]:
            return _rejection("bad_data_format", "the imprint has the wrong length")
        asked_policy = request["req_policy"].native
        if asked_policy is not None and asked_policy != self.policy:
            return _rejection("unaccepted_policy", f"policy {asked_policy} is not offered")
        if request["extensions"].native:
            return _rejection("unaccepted_extension", "request extensions are not supported")
        moment = self.clock()
        info: dict[str, Any] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": imprint,
            "serial_number": secrets.randbits(63) | 1 << 62,
            "gen_time": moment,
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._cert.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        token = self._sign(
            tsp.TSTInfo(info).dump(), algorithm, moment, bool(request["cert_req"].native)
        )
        return TimeStampResponse(
            {"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token}
        )

    def respond_der(self, request_der: bytes) -> bytes:
        """`respond` on DER bytes; an unparseable request gets a bad_data_format rejection."""
        try:
            request = tsp.TimeStampReq.load(request_der)
            request.native  # noqa: B018 - force a full parse now
        except (ValueError, TypeError) as exc:
            refusal: bytes = _rejection("bad_data_format", f"malformed request: {exc}").dump()
            return refusal
        response: bytes = self.respond(request).dump()
        return response

    def _sign(
        self, tst_info: bytes, digest: str, moment: datetime, with_certs: bool
    ) -> cms.ContentInfo:
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(moment)})),
                simple_cms_attribute(
                    "signing_certificate_v2", as_signing_certificate_v2(self._cert)
                ),
                simple_cms_attribute("message_digest", hashlib.new(digest, tst_info).digest()),
            ]
        )
        hash_algorithm = get_pyca_cryptography_hash(digest)
        if isinstance(self._key, rsa.RSAPrivateKey):
            signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hash_algorithm)
            mechanism = "rsassa_pkcs1v15"
        elif isinstance(self._key, ec.EllipticCurvePrivateKey):
            signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hash_algorithm))
            mechanism = f"{digest}_ecdsa"
        else:  # pragma: no cover - the PKI makes RSA and EC keys only
            raise TimestampError(f"unsupported TSA key {type(self._key).__name__}")
        digest_algorithm = algos.DigestAlgorithm({"algorithm": digest})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                            {"issuer": self._cert.issuer, "serial_number": self._cert.serial_number}
                        )
                    }
                ),
                "digest_algorithm": digest_algorithm,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": mechanism}),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info),
            },
            "signer_infos": [signer_info],
        }
        if with_certs:
            signed_data["certificates"] = [self._cert, *self._chain]
        return cms.ContentInfo(
            {"content_type": "signed_data", "content": cms.SignedData(signed_data)}
        )


class InProcessTimeStamper(TimeStamper):
    """A pyHanko timestamper that asks a `TimestampAuthority` in the same process."""

    def __init__(self, authority: TimestampAuthority):
        super().__init__()  # type: ignore[no-untyped-call]  # pyHanko leaves it unannotated
        self.authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return self.authority.respond(req)


def timestamp_authority(pki: LocalPki) -> TimestampAuthority:
    """The TSA of the local PKI (its certificate chain goes into every token)."""
    return TimestampAuthority(pki.tsa.cert, pki.tsa.key, pki.chain)


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def http_timestamper(
    url: str, *, allow_remote: bool = False, timeout: int = 5,
    auth: tuple[str, str] | None = None,
) -> TimeStamper:
    """pyHanko's HTTP timestamp client for `url`. Refuses a host other than loopback
    unless `allow_remote` (the development setup never leaves the machine); a remote
    one must be https (its certificate checked against the system's CAs). `auth`:
    HTTP basic credentials, for a service that asks for them."""
    parts = urlsplit(url)
    loopback = is_loopback(parts.hostname)
    if not allow_remote and not loopback:
        raise TimestampError(f"{url} is not on the loopback interface")
    if not loopback and parts.scheme != "https":
        raise TimestampError(f"{url}: a remote timestamp authority must be reached over https")
    return HTTPTimeStamper(url, https=parts.scheme == "https", timeout=timeout, auth=auth)


def _plain(
    start_response: Callable[..., Any],
    status: str,
    text: str,
    extra: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *extra],
    )
    return [body]


def tsa_wsgi_app(
    authority: TimestampAuthority | Callable[[], TimestampAuthority], *, loopback_only: bool = True
) -> WsgiApp:
    """A WSGI app serving RFC 3161 over HTTP at its mount point. `authority` may be a
    function returning the TSA (loaded per request). With `loopback_only`, clients
    other than 127.0.0.0/8 and ::1 get 403."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if loopback_only and not is_loopback(environ.get("REMOTE_ADDR")):
            return _plain(start_response, "403 Forbidden", "loopback clients only")
        if environ.get("REQUEST_METHOD") != "POST":
            return _plain(
                start_response,
                "405 Method Not Allowed",
                "POST a timestamp query",
                [("Allow", "POST")],
            )
        content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/timestamp-query":
            return _plain(
                start_response, "415 Unsupported Media Type", "expected application/timestamp-query"
            )
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_REQUEST_BYTES:
            return _plain(start_response, "413 Content Too Large", "bad request length")
        tsa = authority() if callable(authority) else authority
        body = tsa.respond_der(environ["wsgi.input"].read(length))
        start_response(
            "200 OK",
            [("Content-Type", "application/timestamp-reply"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app
