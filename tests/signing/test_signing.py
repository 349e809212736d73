"""signing/: a real local PKI (built once per session), PAdES signatures at every
level, visible Vietnamese stamps, verification reports, the TSA and OCSP over
loopback HTTP, and independent checks with poppler's pdfsig and SoftHSM2 when
those are installed. No mocks."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing.certs import fingerprint, to_asn1
from signing.errors import (
    KeyStoreError,
    PkiError,
    SignatureFieldError,
    StampFontMissing,
    WrongPassphrase,
)
from signing.font import DEJAVU_SANS
from signing.keys import KeyPairSigner, load_pkcs12, open_pkcs11_signer
from signing.pki import LocalPki, OfficerSpec, init_pki, load_pki
from signing.sample import sample_pdf
from signing.services import pki_wsgi_app, serve_on_loopback
from signing.sign import (
    PadesLevel,
    SignatureBox,
    reserve_signature_fields,
    sign_pdf,
    sign_pdf_async,
)
from signing.stamp import StampText
from signing.timestamp import (
    InProcessTimeStamper,
    TimestampAuthority,
    TimeStampResponse,
    http_timestamper,
    timestamp_authority,
)
from signing.trust import TrustSettings, trust_from_files
from signing.verify import Verdict, verify_pdf
from signing.vntime import format_vn, now_utc

from ..helpers import issue_expired_officer, issue_untrusted_officer
from .softhsm import token_with_key

IN_CI = bool(os.environ.get("CI"))
ORG = "Ủy ban nhân dân xã Tân Phú"
SPECIALIST = OfficerSpec(
    "Lê Thị Bích Ngọc", ORG, "mat-khau-chuyen-vien", title="Công chức Tư pháp - Hộ tịch"
)
LEADER = OfficerSpec("Nguyễn Văn Đức", ORG, "mat-khau-lanh-dao", title="Chủ tịch")

needs_font = pytest.mark.skipif(
    not DEJAVU_SANS.exists() and not IN_CI,
    reason=f"{DEJAVU_SANS} missing (Debian package fonts-dejavu-core; CI installs it)",
)


@dataclass
class Env:
    pki: LocalPki
    base_url: str
    specialist: KeyPairSigner
    leader: KeyPairSigner
    tsa: InProcessTimeStamper
    pdf: bytes

    @property
    def trust(self) -> TrustSettings:
        return self.pki.trust()

    def lt_trust(self, signer: KeyPairSigner) -> TrustSettings:
        return self.pki.trust(ocsp_for=[signer.certificate, self.pki.tsa.cert])

    def officer(
        self, name: str, passphrase: str = "mat-khau-thu-nghiem", **options
    ) -> KeyPairSigner:
        issued = self.pki.issue_officer(name, ORG, passphrase, key_type="ec-p256", **options)
        return load_pkcs12(issued.pkcs12_path, passphrase)


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory):
    """The PKI, its services on a loopback port (the certificates point there), two
    officers and a one-page result document."""
    folder = tmp_path_factory.mktemp("pki")
    with serve_on_loopback(pki_wsgi_app(folder), mount="/pki") as base_url:
        pki = init_pki(folder, [SPECIALIST, LEADER], base_url=base_url)
        yield Env(
            pki=pki,
            base_url=base_url,
            specialist=load_pkcs12(
                pki.officer("le-thi-bich-ngoc").pkcs12_path, SPECIALIST.passphrase
            ),
            leader=load_pkcs12(pki.officer("nguyen-van-duc").pkcs12_path, LEADER.passphrase),
            tsa=InProcessTimeStamper(timestamp_authority(pki)),
            pdf=sample_pdf() if DEJAVU_SANS.exists() else b"",
        )


def codes(report) -> list[list[str]]:
    return [[finding.code for finding in sig.problems] for sig in report.signatures]


def stamp_of(pdf: bytes, field_name: str) -> tuple[list[str], dict[str, float]]:
    """The text lines of a signature field's appearance, decoded through the font's
    ToUnicode map, and the advance width (1/1000 em) of each character drawn."""
    reader = PdfFileReader(BytesIO(pdf))
    sig = next(s for s in reader.embedded_signatures if s.field_name == field_name)
    widget = sig.sig_field if "/AP" in sig.sig_field else sig.sig_field["/Kids"][0].get_object()
    appearance = widget["/AP"]["/N"].get_object()
    font = appearance["/Resources"]["/Font"]["/F1"].get_object()
    cmap = font["/ToUnicode"].get_object().data.decode("ascii")
    to_char = {
        int(gid, 16): bytes.fromhex(text).decode("utf-16-be")
        for gid, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", cmap)
    }
    widths_array = font["/DescendantFonts"][0].get_object()["/W"]
    widths = {
        int(widths_array[i]): float(widths_array[i + 1][0]) for i in range(0, len(widths_array), 2)
    }
    lines, char_widths = [], {}
    for hex_run in re.findall(rb"<([0-9a-f]+)> Tj", appearance.data):
        gids = [int(hex_run[i : i + 4], 16) for i in range(0, len(hex_run), 4)]
        lines.append("".join(to_char[g] for g in gids))
        char_widths.update({to_char[g]: widths[g] for g in gids})
    return lines, char_widths


# -- the PKI --------------------------------------------------------------------------


def test_pki_has_roots_tsa_ocsp_and_crls_and_is_idempotent(env: Env):
    pki = env.pki
    again = init_pki(pki.folder, [SPECIALIST, LEADER])
    assert fingerprint(again.root.cert) == fingerprint(pki.root.cert)
    assert [o.slug for o in again.officers()] == ["le-thi-bich-ngoc", "nguyen-van-duc"]
    assert pki.issuing.cert.issuer == pki.root.cert.subject
    assert pki.issuing.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    eku = pki.tsa.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert pki.ocsp_responder.cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    for label in ("root-ca", "issuing-ca"):
        crl = pki.crl(label)
        assert crl.is_signature_valid(pki.authority(label).cert.public_key())
    for secret in ("root-ca.key", "issuing-ca.key", "tsa.key", "officers/nguyen-van-duc.p12"):
        assert stat.S_IMODE((pki.folder / secret).stat().st_mode) == 0o600


def test_officer_certificate_has_vietnamese_names_and_signing_key_usage(env: Env):
    cert = env.pki.officer("nguyen-van-duc").certificate
    assert cert.subject.rfc4514_string() == f"CN=Nguyễn Văn Đức,2.5.4.12=Chủ tịch,O={ORG},C=VN"
    kinds = {attr[0]["type"].native: attr[0]["value"].name for attr in to_asn1(cert).subject.chosen}
    assert kinds == {
        "country_name": "printable_string",
        "organization_name": "utf8_string",
        "title": "utf8_string",
        "common_name": "utf8_string",
    }
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert env.leader.certificate == cert


def test_passphrase_is_needed_and_never_stored(env: Env):
    issued = env.pki.officer("le-thi-bich-ngoc")
    with pytest.raises(WrongPassphrase):
        load_pkcs12(issued.pkcs12_path, "khong-dung-mat-khau")
    with pytest.raises(KeyStoreError, match="not a PKCS#12"):
        load_pkcs12(b"%PDF-1.7 not a key store", SPECIALIST.passphrase)
    with pytest.raises(PkiError, match="at least 8"):
        env.pki.issue_officer("Ngắn Quá", ORG, "1234")
    for path in env.pki.folder.rglob("*"):
        if path.is_file():
            assert SPECIALIST.passphrase.encode() not in path.read_bytes(), path
    # Key and certificates are encrypted with PBES2: AES-256-CBC, PBKDF2 100 000 rounds.
    pfx = asn1_pkcs12.Pfx.load(issued.pkcs12_path.read_bytes())
    schemes = []
    for content in pfx.authenticated_safe:
        if content["content_type"].native == "encrypted_data":
            schemes.append(
                content["content"]["encrypted_content_info"]["content_encryption_algorithm"]
            )
        else:
            bags = asn1_pkcs12.SafeContents.load(content["content"].native)
            schemes += [bag["bag_value"]["encryption_algorithm"] for bag in bags]
    described = {
        (
            scheme["algorithm"].native,
            scheme["parameters"]["encryption_scheme"]["algorithm"].native,
            scheme["parameters"]["key_derivation_func"]["parameters"]["iteration_count"].native,
        )
        for scheme in schemes
    }
    assert described == {("pbes2", "aes256_cbc", 100_000)} and len(schemes) == 2


def test_revocation_updates_crl_and_ocsp(env: Env):
    signer = env.officer("Phạm Văn Thu Hồi")
    date = env.pki.revoke(signer.certificate, reason="affiliation_changed")
    entry = env.pki.crl("issuing-ca").get_revoked_certificate_by_serial_number(
        signer.certificate.serial_number
    )
    assert entry is not None and entry.revocation_date_utc == date
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
        == "affiliation_changed"
    )
    answer = ocsp.load_der_ocsp_response(env.pki.ocsp_response(signer.certificate))
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_time_utc == date
    with pytest.raises(PkiError, match="already revoked"):
        env.pki.revoke(signer.certificate)
    replaced = env.pki.issue_officer(
        "Phạm Văn Thu Hồi", ORG, "mat-khau-moi-hon", key_type="ec-p256", replace=True
    )
    assert replaced.certificate != signer.certificate  # already revoked: stays as it was
    again = env.pki.issue_officer(
        "Phạm Văn Thu Hồi", ORG, "mat-khau-moi-nua", key_type="ec-p256", replace=True
    )
    assert env.pki.revocation_of(replaced.certificate).reason == x509.ReasonFlags.superseded
    assert env.pki.revocation_of(again.certificate) is None
    with pytest.raises(PkiError, match="already exists"):
        env.pki.issue_officer("Phạm Văn Thu Hồi", ORG, "mat-khau-moi-nua")
    # Another process (the CLI while the web app runs) sees the revocation at once.
    assert load_pki(env.pki.folder).revocation_of(signer.certificate).date == date


# -- signing and verifying ----------------------------------------------------------------


@needs_font
@pytest.mark.parametrize("level", list(PadesLevel))
def test_each_pades_level_signs_and_verifies(env: Env, level: PadesLevel):
    long_term = level in (PadesLevel.B_LT, PadesLevel.B_LTA)
    signed = sign_pdf(
        env.pdf,
        env.leader,
        level=level,
        reason="Phê duyệt kết quả",
        timestamper=None if level == PadesLevel.B_B else env.tsa,
        trust=env.lt_trust(env.leader) if long_term else None,
    )
    assert signed.signer_fingerprint == fingerprint(env.leader.certificate)
    report = verify_pdf(signed.pdf, env.trust)
    assert report.verdict == Verdict.VALID, report.summary_vi()
    first = report.signatures[0]
    assert (first.signer_name, first.organisation, first.pades_level) == (
        "Nguyễn Văn Đức",
        ORG,
        str(level),
    )
    assert first.trusted and first.intact and len(first.chain) == 3
    assert "Nguyễn Văn Đức" in first.chain[0] and "Root CA" in first.chain[-1]
    assert first.timestamp_ok is (None if level == PadesLevel.B_B else True)
    if long_term:
        dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(signed.pdf)))
        assert len(dss.ocsps) >= 2 and len(dss.crls) == 2
        # Everything needed travels in the file: the trust root alone is enough.
        alone = verify_pdf(signed.pdf, TrustSettings(roots=(env.pki.root.cert,)))
        assert alone.verdict == Verdict.VALID, alone.summary_vi()
    if level == PadesLevel.B_LTA:
        assert [s.kind for s in report.signatures] == ["signature", "document_timestamp"]


@needs_font
def test_two_signatures_in_sequence_both_stay_valid(env: Env):
    first = sign_pdf(
        env.pdf, env.specialist, level="B-T", timestamper=env.tsa, reason="Đề xuất cấp giấy"
    )
    second = sign_pdf(
        first.pdf,
        env.leader,
        level="B-LT",
        timestamper=env.tsa,
        trust=env.lt_trust(env.leader),
        reason="Phê duyệt kết quả",
    )
    assert second.pdf.startswith(first.pdf)  # an incremental update, earlier bytes untouched
    report = verify_pdf(second.pdf, env.trust)
    assert report.verdict == Verdict.VALID, report.summary_vi()
    names = [(s.field_name, s.signer_name) for s in report.signatures]
    assert names == [("ChuKy1", "Lê Thị Bích Ngọc"), ("ChuKy2", "Nguyễn Văn Đức")]
    assert [s.pades_level for s in report.signatures] == ["B-T", "B-LT"]
    assert report.signatures[0].modification == "signatures_or_forms"
    assert report.signatures[1].modification == "validation_data"
    rects = [s.sig_field["/Rect"] for s in PdfFileReader(BytesIO(second.pdf)).embedded_signatures]
    assert float(rects[1][2]) < float(rects[0][0])  # the second default place is left of the first
    summary = "\n".join(report.summary_vi())
    assert "Lê Thị Bích Ngọc" in summary and "tất cả hợp lệ" in summary


@needs_font
def test_reserved_fields_receive_the_stamps(env: Env):
    reserved = reserve_signature_fields(
        env.pdf,
        [
            SignatureBox("ChuyenVien", box=(60, 60, 280, 140)),
            SignatureBox("LanhDao", box=(320, 60, 540, 140)),
        ],
    )
    signed = sign_pdf(reserved, env.leader, level="B-B", field="LanhDao")
    signed = sign_pdf(signed.pdf, env.specialist, level="B-B")  # the remaining empty field
    assert signed.field_name == "ChuyenVien"
    with pytest.raises(SignatureFieldError, match="already signed"):
        sign_pdf(signed.pdf, env.specialist, level="B-B", field="LanhDao")
    reader = PdfFileReader(BytesIO(signed.pdf))
    rects = {
        s.field_name: [float(v) for v in s.sig_field["/Rect"]] for s in reader.embedded_signatures
    }
    assert rects == {"LanhDao": [320, 60, 540, 140], "ChuyenVien": [60, 60, 280, 140]}
    assert verify_pdf(signed.pdf, env.trust).verdict == Verdict.VALID


@needs_font
def test_stamp_shows_signer_organisation_vietnam_time_and_reason_with_diacritics(env: Env):
    signed = sign_pdf(
        env.pdf, env.leader, level="B-T", timestamper=env.tsa, reason="Phê duyệt kết quả"
    )
    lines, widths = stamp_of(signed.pdf, signed.field_name)
    expected = StampText(
        signer="Nguyễn Văn Đức",
        signed_at=signed.signed_at,
        organisation=ORG,
        title="Chủ tịch",
        reason="Phê duyệt kết quả",
    ).lines()
    assert lines == expected
    vn_time = (signed.signed_at + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M:%S")
    assert f"Thời gian ký: {vn_time} +07:00" in lines
    # Widths are in PDF's 1000 units per em, not the font's own 2048.
    font = TTFont(DEJAVU_SANS, lazy=True)
    for char in "NĐứ":
        advance = font["hmtx"][font.getBestCmap()[ord(char)]][0]
        assert widths[char] == pytest.approx(advance * 1000 / font["head"].unitsPerEm, abs=0.01)


@needs_font
def test_a_changed_byte_is_detected(env: Env):
    signed = sign_pdf(env.pdf, env.specialist, level="B-T", timestamper=env.tsa).pdf
    tampered = bytearray(signed)
    at = tampered.index(b"> Tj") - 1  # a glyph of the page text, inside the signed range
    tampered[at] = ord("1") if tampered[at] != ord("1") else ord("2")
    report = verify_pdf(bytes(tampered), env.trust)
    assert report.verdict == Verdict.INVALID
    assert codes(report) == [["tampered"]]
    assert not report.signatures[0].intact
    assert "mã băm không khớp" in "\n".join(report.summary_vi())


@needs_font
def test_content_added_after_signing_is_reported(env: Env):
    signed = sign_pdf(env.pdf, env.specialist, level="B-B").pdf
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    extra = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 400 200 50 re f"))
    writer.add_stream_to_page(0, extra)
    out = BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), env.trust)
    assert report.verdict == Verdict.INVALID
    assert codes(report) == [["modified_after_signing"]]
    assert report.signatures[0].intact and report.signatures[0].modification == "other"


@needs_font
def test_certificate_revoked_before_signing_is_reported_with_its_date(env: Env):
    signer = env.officer("Trần Bị Thu Hồi")
    revoked_at = env.pki.revoke(signer.certificate, when=now_utc() - timedelta(minutes=1))
    signed = sign_pdf(env.pdf, signer, level="B-T", timestamper=env.tsa).pdf
    report = verify_pdf(signed, env.trust)
    sig = report.signatures[0]
    assert report.verdict == Verdict.INVALID and codes(report) == [["revoked"]]
    assert (
        sig.revoked
        and sig.revocation_date == revoked_at
        and sig.revocation_reason == "key_compromise"
    )
    assert f"thu hồi lúc {format_vn(revoked_at)} (lý do: lộ khóa bí mật)" in "\n".join(
        report.summary_vi()
    )


@needs_font
def test_revocation_after_a_timestamped_signature_keeps_it_valid(env: Env):
    past = now_utc() - timedelta(days=30)
    signer = env.officer("Hoàng Ký Trước", not_before=past - timedelta(days=30))
    tsa_then = InProcessTimeStamper(
        TimestampAuthority(env.pki.tsa.cert, env.pki.tsa.key, env.pki.chain, clock=lambda: past)
    )
    signed = sign_pdf(env.pdf, signer, level="B-T", timestamper=tsa_then, signed_at=past).pdf
    env.pki.revoke(signer.certificate)
    report = verify_pdf(signed, env.trust)
    sig = report.signatures[0]
    assert report.verdict == Verdict.VALID, report.summary_vi()
    assert [n.code for n in sig.notes] == ["revoked_after_signing"]
    assert sig.checked_as_of == past and sig.timestamp_time == past


@needs_font
def test_expired_certificate_is_reported_unless_a_timestamp_predates_expiry(env: Env):
    issued = issue_expired_officer(env.pki, "Võ Hết Hạn", ORG, "mat-khau-het-han",
                                   key_type="ec-p256")
    signer = load_pkcs12(issued.pkcs12_path, "mat-khau-het-han")
    late = sign_pdf(env.pdf, signer, level="B-B").pdf
    report = verify_pdf(late, env.trust)
    assert report.verdict == Verdict.INVALID and codes(report) == [["expired"]]
    assert "đã hết hạn" in "\n".join(report.summary_vi())

    then = issued.certificate.not_valid_after_utc - timedelta(days=10)
    tsa_then = InProcessTimeStamper(
        TimestampAuthority(env.pki.tsa.cert, env.pki.tsa.key, env.pki.chain, clock=lambda: then)
    )
    in_time = sign_pdf(env.pdf, signer, level="B-T", timestamper=tsa_then, signed_at=then).pdf
    report = verify_pdf(in_time, env.trust)
    assert report.verdict == Verdict.VALID, report.summary_vi()
    assert [n.code for n in report.signatures[0].notes] == ["expired_after_signing"]


@needs_font
def test_certificate_from_an_untrusted_root_is_reported(env: Env):
    issued = issue_untrusted_officer(env.pki, "Người Lạ", "Cơ quan không rõ", "mat-khau-nguoi-la",
                                     key_type="ec-p256")
    signer = load_pkcs12(issued.pkcs12_path, "mat-khau-nguoi-la")
    signed = sign_pdf(env.pdf, signer, level="B-T", timestamper=env.tsa).pdf
    report = verify_pdf(signed, env.trust)
    assert report.verdict == Verdict.INVALID and codes(report) == [["untrusted"]]
    assert not report.signatures[0].trusted and report.signatures[0].intact
    assert "tin cậy" in "\n".join(report.summary_vi())


@needs_font
def test_trust_from_certificate_and_crl_files(env: Env):
    """A verifier that has only the published files: root certificate, CA certificate
    and the two CRLs (what /pki/ca/… and /pki/crl/… serve)."""
    folder = env.pki.folder
    trust = trust_from_files(
        [folder / "root-ca.crt"],
        intermediates=[folder / "issuing-ca.crt"],
        crls=[folder / "root-ca.crl", folder / "issuing-ca.crl"],
    )
    signed = sign_pdf(env.pdf, env.leader, level="B-B").pdf
    assert verify_pdf(signed, trust).verdict == Verdict.VALID


@needs_font
def test_revocation_data_missing_is_indeterminate(env: Env):
    signed = sign_pdf(env.pdf, env.specialist, level="B-B").pdf
    report = verify_pdf(signed, TrustSettings(roots=(env.pki.root.cert,)))
    assert report.verdict == Verdict.INDETERMINATE, report.summary_vi()
    assert codes(report) == [["revocation_unknown"]]


def test_unsigned_and_unreadable_documents(env: Env):
    unsigned = verify_pdf(sample_pdf_without_font(), env.trust)
    assert (unsigned.verdict, [p.code for p in unsigned.problems]) == (
        Verdict.INVALID,
        ["unsigned"],
    )
    garbage = verify_pdf(b"khong phai PDF", env.trust)
    assert [p.code for p in garbage.problems] == ["unreadable"]


@needs_font
def test_a_broken_signature_container_is_reported(env: Env):
    signed = bytearray(sign_pdf(env.pdf, env.specialist, level="B-B").pdf)
    at = signed.index(b"/Contents <") + len(b"/Contents <") + 2  # inside the CMS header
    signed[at] = ord("f") if signed[at] != ord("f") else ord("e")
    report = verify_pdf(bytes(signed), env.trust)
    assert (report.verdict, [p.code for p in report.problems]) == (Verdict.INVALID, ["malformed"])


def sample_pdf_without_font() -> bytes:
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(
        PageObject(writer.add_object(generic.StreamObject(stream_data=b"")), (0, 0, 595, 842))
    )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@needs_font
def test_levels_need_their_inputs_and_the_font_must_exist(env: Env):
    with pytest.raises(ValueError, match="timestamper"):
        sign_pdf(env.pdf, env.leader, level="B-T")
    with pytest.raises(ValueError, match="trust"):
        sign_pdf(env.pdf, env.leader, level="B-LT", timestamper=env.tsa)
    with pytest.raises(StampFontMissing, match="fonts-dejavu-core"):
        sign_pdf(
            sample_pdf_without_font(), env.leader, level="B-B", font=Path("/khong/co/font.ttf")
        )


@needs_font
def test_a_remembered_container_size_that_is_too_small_is_relearnt(env: Env):
    """The space reserved for the signature is learnt from the first signature of a
    signer at a level; if it ever falls short, signing measures again."""
    from signing import sign

    sign_pdf(env.pdf, env.specialist, level="B-B")
    key = (fingerprint(env.specialist.certificate), PadesLevel.B_B, type(None).__name__)
    learnt = sign._RESERVED[key]
    sign._RESERVED[key] = 64
    signed = sign_pdf(env.pdf, env.specialist, level="B-B")
    assert sign._RESERVED[key] == learnt
    assert verify_pdf(signed.pdf, env.trust).valid


@needs_font
def test_signing_inside_a_running_event_loop(env: Env):
    async def in_loop():
        signed = await sign_pdf_async(env.pdf, env.leader, level="B-T", timestamper=env.tsa)
        return signed.pdf

    assert verify_pdf(asyncio.run(in_loop()), env.trust).valid


# -- the TSA and OCSP over loopback HTTP ------------------------------------------------


@needs_font
def test_timestamp_and_ocsp_over_http(env: Env):
    """B-T with the TSA at /pki/tsa, then B-LT that fetches OCSP responses and
    certificates from the URLs in the certificates (all on 127.0.0.1)."""
    online = TrustSettings(roots=(env.pki.root.cert,), allow_fetching=True)
    stamped = sign_pdf(
        env.pdf, env.leader, level="B-T", timestamper=http_timestamper(f"{env.base_url}/tsa")
    )
    assert verify_pdf(stamped.pdf, online).valid
    long_term = sign_pdf(
        env.pdf,
        env.leader,
        level="B-LT",
        timestamper=http_timestamper(f"{env.base_url}/tsa"),
        trust=online,
    )
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(long_term.pdf)))
    assert len(dss.ocsps) >= 2
    assert verify_pdf(long_term.pdf, TrustSettings(roots=(env.pki.root.cert,))).valid


def _post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_tsa_answers_and_refuses(env: Env):
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"ho so")
    good = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest.finalize(),
            },
            "nonce": 12345,
            "cert_req": True,
        }
    )
    status, kind, body = _post(f"{env.base_url}/tsa", good.dump(), "application/timestamp-query")
    answer = TimeStampResponse.load(body)
    assert (status, kind, answer["status"]["status"].native) == (
        200,
        "application/timestamp-reply",
        "granted",
    )
    info = answer["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert (
        info["nonce"].native == 12345
        and info["policy"].dotted == timestamp_authority(env.pki).policy
    )
    sha1 = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha1"},
                "hashed_message": b"\0" * 20,
            },
        }
    )
    refused = TimeStampResponse.load(timestamp_authority(env.pki).respond_der(sha1.dump()))
    assert refused["status"]["status"].native == "rejection"
    assert refused["status"]["fail_info"].native == {"bad_alg"}
    assert _post(f"{env.base_url}/tsa", good.dump(), "text/plain")[0] == 415
    assert urllib.request.urlopen(
        f"{env.base_url}/ca/root-ca.crt", timeout=5
    ).read() == env.pki.root.cert.public_bytes(serialization.Encoding.DER)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{env.base_url}/tsa", timeout=5)
    assert caught.value.code == 405
    app = pki_wsgi_app(env.pki.folder)
    replies: list[str] = []
    app(
        {"REMOTE_ADDR": "192.0.2.7", "PATH_INFO": "/tsa", "REQUEST_METHOD": "POST"},
        lambda s, h: replies.append(s),
    )
    assert replies == ["403 Forbidden"]


def test_ocsp_responder_over_http(env: Env):
    signer = env.officer("Đinh Công Ô")
    env.pki.revoke(signer.certificate, reason="superseded")

    def ask(cert: x509.Certificate, issuer: x509.Certificate) -> ocsp.OCSPResponse:
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
        status, kind, body = _post(
            f"{env.base_url}/ocsp",
            request.public_bytes(serialization.Encoding.DER),
            "application/ocsp-request",
        )
        assert (status, kind) == (200, "application/ocsp-response")
        return ocsp.load_der_ocsp_response(body)

    revoked = ask(signer.certificate, env.pki.issuing.cert)
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.superseded
    good = ask(env.leader.certificate, env.pki.issuing.cert)
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert good.certificates == [env.pki.ocsp_responder.cert]  # the delegated responder
    assert (
        ask(env.pki.issuing.cert, env.pki.root.cert).certificate_status == ocsp.OCSPCertStatus.GOOD
    )
    foreign = env.pki.untrusted_root.cert
    assert ask(foreign, foreign).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    status, _, body = _post(f"{env.base_url}/ocsp", b"rac", "application/ocsp-request")
    assert (
        ocsp.load_der_ocsp_response(body).response_status
        == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def test_http_timestamper_stays_on_loopback():
    from signing.errors import TimestampError

    with pytest.raises(TimestampError, match="loopback"):
        http_timestamper("http://tsa.example.vn/tsa")
    assert http_timestamper("http://[::1]:8080/tsa").url == "http://[::1]:8080/tsa"


def test_a_remote_timestamp_authority_is_reached_over_https_with_its_login():
    from signing.errors import TimestampError

    with pytest.raises(TimestampError, match="https"):
        http_timestamper("http://tsa.example.vn/tsa", allow_remote=True)
    stamper = http_timestamper("https://tsa.example.vn/tsr", allow_remote=True,
                               auth=("ubnd", "secret"))
    assert stamper.url == "https://tsa.example.vn/tsr"
    assert (stamper.auth.login, stamper.auth.password) == ("ubnd", "secret")


# -- independent checks ----------------------------------------------------------------


@needs_font
@pytest.mark.skipif(
    shutil.which("pdfsig") is None and not IN_CI,
    reason="pdfsig missing (Debian package poppler-utils; CI installs it)",
)
def test_pdfsig_agrees(env: Env, tmp_path: Path):
    """poppler's pdfsig, a verifier that shares no code with pyHanko, checks both
    signatures of a two-signature document and catches a changed byte."""
    assert shutil.which("pdfsig"), "CI must install poppler-utils"
    first = sign_pdf(env.pdf, env.specialist, level="B-T", timestamper=env.tsa)
    second = sign_pdf(
        first.pdf, env.leader, level="B-LT", timestamper=env.tsa, trust=env.lt_trust(env.leader)
    )
    good = tmp_path / "ket-qua.pdf"
    good.write_bytes(second.pdf)
    out = subprocess.run(
        ["pdfsig", "-nocert", str(good)], capture_output=True, text=True, timeout=60
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert "Signature Field Name: ChuKy2" in out and "ETSI.CAdES.detached" in out
    assert "Nguyễn Văn Đức" in out
    tampered = bytearray(second.pdf)
    at = tampered.index(b"> Tj") - 1
    tampered[at] = ord("1") if tampered[at] != ord("1") else ord("2")
    bad = tmp_path / "bi-sua.pdf"
    bad.write_bytes(bytes(tampered))
    out = subprocess.run(
        ["pdfsig", "-nocert", str(bad)], capture_output=True, text=True, timeout=60
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 0, out


@needs_font
@pytest.mark.skipif(
    shutil.which("softhsm2-util") is None and not IN_CI,
    reason="SoftHSM2 missing (Debian package softhsm2; CI installs it)",
)
def test_pkcs11_token_signs(env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    issued = env.pki.issue_officer("Token Cán Bộ", ORG, "mat-khau-token", key_type="rsa-2048")
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, _chain = pkcs12.load_key_and_certificates(
        issued.pkcs12_path.read_bytes(), b"mat-khau-token"
    )
    module = token_with_key(tmp_path, monkeypatch, key, cert, "motcua", "can-bo")
    with (
        pytest.raises(WrongPassphrase, match="PIN"),
        open_pkcs11_signer(module, pin="000000", token_label="motcua", key_label="can-bo"),
    ):
        pass
    with open_pkcs11_signer(
        module, pin="123456", token_label="motcua", key_label="can-bo", chain=env.pki.chain
    ) as signer:
        signed = sign_pdf(env.pdf, signer, level="B-T", timestamper=env.tsa)
    assert signed.signer_fingerprint == fingerprint(cert)
    report = verify_pdf(signed.pdf, env.trust)
    assert report.verdict == Verdict.VALID, report.summary_vi()
    assert report.signatures[0].signer_name == "Token Cán Bộ"


def test_load_pki_requires_an_initialised_folder(tmp_path: Path):
    with pytest.raises(PkiError, match="no PKI"):
        load_pki(tmp_path)
