"""RFC 3161 timestamp tokens over a digest of one's own (not inside a PDF): asked of a
timestamp authority, and checked later against the trust settings — that the token is
intact, made by a trusted TSA, and over exactly that digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, tsp
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

from .blocking import run_blocking
from .trust import TrustSettings


@dataclass(frozen=True)
class TokenCheck:
    valid: bool
    time: datetime | None  # the time the TSA vouches for
    tsa: str | None  # the TSA certificate's subject
    reason: str | None = None  # why not valid


def timestamp_token(timestamper: TimeStamper, sha256: bytes) -> bytes:
    """A DER TimeStampToken over the SHA-256 digest `sha256`."""
    token: bytes = run_blocking(timestamper.async_timestamp(sha256, "sha256")).dump()
    return token


def check_token(token: bytes, sha256: bytes, trust: TrustSettings) -> TokenCheck:
    try:
        content = cms.ContentInfo.load(token)
        signed = content["content"]
        info = signed["encap_content_info"]["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            raise ValueError("not a TSTInfo")
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        when = info["gen_time"].native
    except Exception as exc:  # any malformed token is simply not valid
        return TokenCheck(False, None, None, f"not a timestamp token ({exc.__class__.__name__})")
    if algorithm != "sha256" or imprint["hashed_message"].native != sha256:
        return TokenCheck(False, when, None, "the token is over other data")

    async def validate() -> dict[str, Any]:
        async with trust.context() as context:
            checked: dict[str, Any] = await validate_tst_signed_data(
                signed, context, lambda _: sha256
            )
            return checked

    try:
        status = run_blocking(validate())
    except Exception as exc:
        return TokenCheck(False, when, None, f"cannot be validated: {exc}")
    cert = status.get("signing_cert")
    tsa = cert.subject.human_friendly if cert is not None else None
    if not status.get("intact") or not status.get("valid"):
        return TokenCheck(False, when, tsa, "the token's signature does not verify")
    if status.get("trust_problem_indic") is not None:
        return TokenCheck(False, when, tsa, "the timestamp authority is not trusted")
    return TokenCheck(True, when, tsa)
