"""A SoftHSM2 token for tests, holding one key and its certificate, as an HSM would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

SOFTHSM_MODULES = [
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
]
PIN = "123456"


def token_with_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: object,
                   cert: x509.Certificate, token_label: str, key_label: str) -> Path:
    """A fresh token `token_label` (user PIN `PIN`) with `key` and `cert` under
    `key_label`; returns the PKCS#11 module's path."""
    assert shutil.which("softhsm2-util"), "CI must install softhsm2"
    module = next((m for m in SOFTHSM_MODULES if m.exists()), None)
    assert module is not None, "softhsm2-util is installed but libsofthsm2.so was not found"
    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\n"
                      "objectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", token_label,
                    "--pin", PIN, "--so-pin", "12345678"], check=True, capture_output=True)
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(pem), "--token", token_label, "--label",
                    key_label, "--id", "01", "--pin", PIN], check=True, capture_output=True)
    pem.unlink()
    import pkcs11
    from pkcs11.util.x509 import decode_x509_certificate

    library = pkcs11.lib(str(module))  # one per process, whichever test loaded it first:
    library.reinitialize()  # re-read SOFTHSM2_CONF, so it sees this test's token
    token = library.get_token(token_label=token_label)
    with token.open(rw=True, user_pin=PIN) as session:
        attributes = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        attributes.update({pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: key_label,
                           pkcs11.Attribute.ID: b"\x01"})
        session.create_object(attributes)
    return module
