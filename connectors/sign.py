"""result.sign: PAdES signature of the rendered result with the key of the officer who
completed the approval task (the deputy's own key when a deputy signed "thay mặt").

The officer's PKCS#12 file is `<pki>/officers/<username>.p12` (or `<username>@<agency>.p12`
for an officer who serves several agencies), and its certificate's organisation must be
the agency issuing the result (`agency_name_vi`); its passphrase comes from
the officer's consent given with "sign and approve" (engine.accounts.signing_grants). Timestamps
and revocation data come from the local PKI (`motcua pki init`), or a TSA at
MOTCUA_TSA_URL and, with MOTCUA_TRUST_ROOTS, the certificates' own OCSP responders and CRLs. Every failure — no consent, wrong passphrase, expired or revoked
certificate, a certificate of another agency, TSA unreachable — is a retryable job
failure and then an incident, never an unsigned result passed on as signed.

With the parameter `signer = 'organisation'` the agency signs the officer-signed result
with its own key (connectors/organisation_keys.py), as an issued document needs."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import Signer
from pyhanko.sign.timestamps import TimeStamper
from sqlalchemy import select

from engine import config, metrics
from engine.accounts.signing_grants import GrantMissing, close_grant, open_grant
from engine.db import transaction
from engine.documents import blobs
from engine.models import Dossier
from engine.procedures.operators import JobContext, RetryableError, register
from signing import (
    InProcessTimeStamper,
    LocalPki,
    SigningLibraryError,
    TrustSettings,
    http_timestamper,
    load_pkcs12,
    load_pki,
    same_organisation,
    sign_pdf,
    timestamp_authority,
    trust_from_files,
)
from signing.certs import fingerprint, name_part
from signing.keys import signer_certificate

from . import organisation_keys

TITLES = {"chu_tich": "Chủ tịch", "pho_chu_tich": "KT. Chủ tịch - Phó Chủ tịch"}


def _dossier_id(ctx: JobContext) -> int:
    with transaction(ctx.sessions) as session:
        return session.scalars(select(Dossier.id).where(Dossier.code == ctx.dossier_code)).one()


def timestamper(pki: LocalPki | None) -> TimeStamper:
    """MOTCUA_TSA_URL's timestamp authority (any, https), else the local PKI's in-process."""
    url = config.tsa_url()
    if url:
        return http_timestamper(url, allow_remote=True, auth=config.tsa_login())
    if pki is None:
        raise RetryableError("no timestamp authority: set MOTCUA_TSA_URL")
    return InProcessTimeStamper(timestamp_authority(pki))


def _trust(pki: LocalPki | None, cert: x509.Certificate) -> TrustSettings:
    """The roots of MOTCUA_TRUST_ROOTS with revocation fetched from each certificate's
    own OCSP responder and CRL, else the local PKI's (answered offline)."""
    if pki is None:
        return trust_from_files(config.trust_roots(), allow_fetching=True)
    return pki.trust(ocsp_for=[cert, pki.tsa.cert])


def _sign(ctx: JobContext, signer: Signer, who: str, pdf: bytes, field: str | None,
          reason: str | None, title: str | None) -> dict[str, Any]:
    """Sign at the procedure's level after checking the certificate's dates and
    revocation; returns what the job result records of the signature."""
    try:
        pki = None if config.trust_roots() else load_pki(config.pki_dir())
    except SigningLibraryError as exc:
        raise RetryableError(f"signing failed: {exc}") from exc
    cert = signer_certificate(signer)
    now = datetime.now(UTC)
    if cert.not_valid_after_utc < now or cert.not_valid_before_utc > now:
        raise RetryableError(
            f"{who}'s certificate is valid only from {cert.not_valid_before_utc:%d/%m/%Y}"
            f" to {cert.not_valid_after_utc:%d/%m/%Y}")
    revoked = pki.revocation_of(cert) if pki is not None else None
    if revoked is not None:
        raise RetryableError(f"{who}'s certificate was revoked on {revoked.date:%d/%m/%Y}")
    level = str(ctx.settings.get("signature_level", "B-LT"))
    started = time.perf_counter()
    try:
        signed = sign_pdf(
            pdf, signer, level=level, field=field,
            timestamper=timestamper(pki) if level != "B-B" else None,
            trust=_trust(pki, cert) if level in ("B-LT", "B-LTA") else None,
            reason=reason, location=ctx.settings.get("locality_vi"), title=title,
        )
    except SigningLibraryError as exc:
        metrics.signature_finished(level, "failed", time.perf_counter() - started)
        raise RetryableError(f"signing failed: {exc}") from exc
    metrics.signature_finished(level, "made", time.perf_counter() - started)
    return {
        "signed": True, "document": blobs.put(signed.pdf), "media_type": "application/pdf",
        "bytes": len(signed.pdf), "level": str(signed.level), "field": signed.field_name,
        "signer": who, "signer_name": name_part(cert.subject, NameOID.COMMON_NAME),
        "signer_fingerprint": fingerprint(cert), "signed_at": signed.signed_at.isoformat(),
    }


def _check_agency(ctx: JobContext, signer: Signer, who: str) -> None:
    """Refuse a certificate whose organisation is not the agency issuing the result."""
    agency = str(ctx.settings.get("agency_name_vi") or ctx.settings["agency"])
    organisation = name_part(signer_certificate(signer).subject, NameOID.ORGANIZATION_NAME)
    if not same_organisation(organisation, agency):
        raise RetryableError(
            f"{who}'s certificate is issued to {organisation or 'no organisation'},"
            f" not to {agency}, which issues this result")


@register("result.sign")
def sign(ctx: JobContext) -> dict[str, Any]:
    if ctx.params.get("signer") == "organisation":
        return _sign_as_organisation(ctx)
    approval = str(ctx.params.get("approval_task") or "approval")
    done = ctx.completions.get(approval)
    if done is None:
        raise ValueError(f"result.sign: task {approval!r} has not been completed")
    username = str(done["by"])
    rendered = ctx.data.get(str(ctx.params.get("document") or "result")) or {}
    if rendered.get("media_type") != "application/pdf" or rendered.get("draft"):
        raise ValueError("result.sign: the result to sign is not a rendered final PDF")
    dossier_id = _dossier_id(ctx)
    with transaction(ctx.sessions) as session:
        try:
            passphrase, earlier = open_grant(session, dossier_id, username, ctx.idempotency_key)
        except GrantMissing as exc:
            raise RetryableError(str(exc)) from exc
    if earlier is not None:
        return earlier
    path = organisation_keys.officer_key(username, str(ctx.settings["agency"]))
    if not path.exists():
        raise RetryableError(f"{username} has no signing key ({path.name} is missing)")
    try:
        signer = load_pkcs12(path, passphrase or "")
    except SigningLibraryError as exc:
        raise RetryableError(f"signing failed: {exc}") from exc
    _check_agency(ctx, signer, username)
    result = _sign(
        ctx, signer, username, blobs.get(str(rendered["document"])),
        rendered.get("signature_field"),
        f"Ký ban hành {ctx.settings.get('result_name_vi', 'văn bản kết quả')}",
        TITLES.get(str(ctx.data.get("chuc_vu_nguoi_ky"))))
    result.update(unsigned_document=rendered["document"], on_behalf_of=done.get("on_behalf_of"),
                  seal_field=rendered.get("seal_field"))
    with transaction(ctx.sessions) as session:
        close_grant(session, dossier_id, username, ctx.idempotency_key, result)
    return result


def _sign_as_organisation(ctx: JobContext) -> dict[str, Any]:
    """The agency's own signature over the officer's (parameter `document`, default
    "signature"), in the field the template reserved for it or a new one."""
    signed_by_officer = ctx.data.get(str(ctx.params.get("document") or "signature")) or {}
    if signed_by_officer.get("signed") is not True:
        raise ValueError("result.sign: the organisation signs only a result already signed")
    agency = str(ctx.settings["agency"])
    try:
        with organisation_keys.open_signer(agency) as signer:
            result = _sign(ctx, signer, organisation_keys.slug(agency),
                           blobs.get(str(signed_by_officer["document"])),
                           signed_by_officer.get("seal_field"), None, None)
    except (organisation_keys.OrganisationKeyMissing, SigningLibraryError) as exc:
        raise RetryableError(str(exc)) from exc
    result.update(unsigned_document=signed_by_officer["document"], organisation=agency)
    return result
