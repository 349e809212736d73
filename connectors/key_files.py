"""Where the local PKI keeps a signer's encrypted PKCS#12 file (`motcua pki issue`,
`motcua pki organisation`): `<pki>/officers/<slug>.p12`."""

from __future__ import annotations

from pathlib import Path

from engine import config


def key_file(slug: str) -> Path:
    return config.pki_dir() / "officers" / f"{slug}.p12"
