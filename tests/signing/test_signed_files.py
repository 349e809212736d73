"""The verdict on a PDF a business signed and sent in (signing.signed_files): who signed,
intact or not, trusted or not, PAdES or not, revocation checked or not — offline."""

from __future__ import annotations

from dataclasses import replace

from cryptography.hazmat.primitives import serialization

from engine import config
from signing import TrustSettings, load_pki, trust_from_files
from signing.signed_files import REASONS_VI, FileVerdict, check_signed_file

from ..signed_samples import BUSINESS, SIGNER


def test_each_kind_of_file_gets_its_verdict_and_reason(signed_samples, signing_pki):
    trust = load_pki(signing_pki).trust()
    verdicts = {name: check_signed_file(pdf, trust) for name, pdf in signed_samples.items()}

    good = verdicts["valid"]
    assert good.valid and good.all_reasons == ()
    [signature] = good.signatures
    assert (signature.signer, signature.organisation) == (SIGNER, BUSINESS)
    assert signature.intact and signature.trusted and signature.pades
    assert signature.revocation_checked  # the local PKI's CRLs were at hand
    assert signature.signed_at is not None and signature.time_source == "signer"

    expected = {"untrusted": "untrusted", "modified": "modified", "cms": "not_pades",
                "unsigned": "unsigned"}
    for name, reason in expected.items():
        assert not verdicts[name].valid, name
        assert verdicts[name].all_reasons == (reason,), (name, verdicts[name])
    assert REASONS_VI["modified"] == "Tệp đã bị sửa sau khi ký"
    assert not verdicts["modified"].signatures[0].intact
    assert verdicts["modified"].signatures[0].trusted  # the signer was trusted; the file changed
    assert not verdicts["untrusted"].signatures[0].trusted
    assert not verdicts["untrusted"].signatures[0].revocation_checked
    assert verdicts["cms"].signatures[0].intact and not verdicts["cms"].signatures[0].pades
    assert verdicts["unsigned"].signatures == ()

    for verdict in verdicts.values():  # stored as JSON and read back unchanged
        assert FileVerdict.from_dict(verdict.as_dict()) == verdict


def test_without_revocation_data_the_signer_is_trusted_and_revocation_said_unchecked(
        signed_samples, signing_pki):
    full = load_pki(signing_pki).trust()
    bare = TrustSettings(roots=full.roots, intermediates=full.intermediates,
                         allow_fetching=True)  # asked to fetch: the check stays offline
    verdict = check_signed_file(signed_samples["valid"], bare)
    [signature] = verdict.signatures
    assert verdict.valid and signature.trusted and not signature.revocation_checked
    assert check_signed_file(signed_samples["untrusted"], replace(bare, allow_fetching=False)
                             ).all_reasons == ("untrusted",)


def test_the_trust_roots_setting_names_pem_files_of_many_roots(tmp_path, monkeypatch,
                                                              signing_pki):
    from signing.pki import UNTRUSTED_ROOT

    pki = load_pki(signing_pki)
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in (
        pki.root.cert, pki.authority(UNTRUSTED_ROOT).cert)))
    other = tmp_path / "other.pem"
    other.write_bytes(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("MOTCUA_TRUST_ROOTS", f"{bundle}:{other}:")
    assert config.trust_roots() == (bundle, other)
    assert len(trust_from_files(config.trust_roots()).roots) == 3
    monkeypatch.delenv("MOTCUA_TRUST_ROOTS")
    assert config.trust_roots() == ()
