"""What a signer or a verifier trusts: the trust anchors, the certificates that may
sit between them and a signer, and the revocation data (CRLs, OCSP responses)
known without going online."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from .certs import read_cert, read_certs, to_asn1


@dataclass(frozen=True)
class TrustSettings:
    """Trust anchors plus the material needed to build and check paths offline.

    `crls` and `ocsps` are DER blobs. With `allow_fetching` false (the default)
    nothing is fetched from the URLs in certificates; everything needed must be
    here or embedded in the PDF."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()
    allow_fetching: bool = False
    # "hard-fail": missing revocation data fails a path; "soft-fail": only data saying
    # "revoked" does (for checks that must answer offline and say what they could not check)
    revocation_mode: str = "hard-fail"

    def validation_context(
        self,
        *,
        moment: datetime | None = None,
        revocation_mode: str | None = None,
        retroactive_revinfo: bool = False,
        dss: DocumentSecurityStore | None = None,
    ) -> ValidationContext:
        """A fresh pyHanko/certvalidator `ValidationContext` for these settings.

        'hard-fail' (the default `revocation_mode`) fails a path when revocation data says
        revoked, or is missing for a certificate that names where to find it. `moment` validates at a past
        time (None: now); `retroactive_revinfo` then accepts CRLs and OCSP responses
        issued after that time. `dss` adds what a PDF's document security store holds."""
        kwargs: dict[str, Any] = {
            "trust_roots": [to_asn1(cert) for cert in self.roots],
            "other_certs": [to_asn1(cert) for cert in self.intermediates],
            "crls": list(self.crls),
            "ocsps": list(self.ocsps),
            "allow_fetching": self.allow_fetching,
            "revocation_mode": revocation_mode or self.revocation_mode,
            "retroactive_revinfo": retroactive_revinfo,
            "moment": moment,
        }
        if dss is not None:
            return dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)

    @asynccontextmanager
    async def context(
        self,
        *,
        moment: datetime | None = None,
        retroactive_revinfo: bool = False,
        dss: DocumentSecurityStore | None = None,
    ) -> AsyncIterator[ValidationContext]:
        """`validation_context` for an `async with` block, closing whatever it opened
        to fetch revocation data (when `allow_fetching`) at the end."""
        context = self.validation_context(
            moment=moment, retroactive_revinfo=retroactive_revinfo, dss=dss
        )
        try:
            yield context
        finally:
            await context.aclose()


def trust_from_files(
    roots: Iterable[Path | str],
    intermediates: Iterable[Path | str] = (),
    crls: Iterable[Path | str] = (),
    *,
    allow_fetching: bool = False,
) -> TrustSettings:
    """Trust settings from certificate files (PEM or DER) and DER CRL files — for a
    trust root that is not the local development PKI. A PEM file of roots may hold many."""
    return TrustSettings(
        roots=tuple(cert for p in roots for cert in read_certs(Path(p))),
        intermediates=tuple(read_cert(Path(p)) for p in intermediates),
        crls=tuple(Path(p).read_bytes() for p in crls),
        allow_fetching=allow_fetching,
    )
