"""verify_pdf told which agency issued a document says, for each signature, whether the
signer belongs to that agency; a signature by another agency's officer is not valid."""

from __future__ import annotations

import unicodedata

import pytest

from signing import (
    OfficerSpec,
    Verdict,
    init_pki,
    load_pkcs12,
    same_organisation,
    sign_pdf,
    verify_pdf,
)
from signing.sample import sample_pdf

HOAN_KIEM = "Ủy ban nhân dân phường Hoàn Kiếm"
CAU_GIAY = "Ủy ban nhân dân phường Cầu Giấy"


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A document signed by a leader whose certificate names phường Hoàn Kiếm."""
    folder = tmp_path_factory.mktemp("pki-agency")
    pki = init_pki(folder, [OfficerSpec("Lê Quang Hải", HOAN_KIEM, "mat-khau-lanh-dao",
                                        slug="lanhdao", key_type="ec-p256")])
    signer = load_pkcs12(pki.officer("lanhdao").pkcs12_path, "mat-khau-lanh-dao")
    return sign_pdf(sample_pdf(), signer, level="B-B").pdf, pki.trust()


def test_a_signature_by_another_agencys_officer_is_not_valid_for_its_document(signed):
    pdf, trust = signed
    report = verify_pdf(pdf, trust, organisation=CAU_GIAY)
    signature = report.signatures[0]
    assert signature.organisation == HOAN_KIEM and signature.organisation_matches is False
    assert [p.code for p in signature.problems] == ["other_organisation"]
    assert signature.verdict == Verdict.INVALID and report.verdict == Verdict.INVALID
    assert report.other_organisations == (signature,) and report.expected_organisation == CAU_GIAY
    summary = "\n".join(report.summary_vi())
    assert f"Chữ ký của người thuộc {HOAN_KIEM}, không phải {CAU_GIAY}" in summary
    assert "có chữ ký của người thuộc cơ quan khác" in summary


def test_the_issuing_agencys_own_officer_stays_valid_whatever_the_spelling(signed):
    pdf, trust = signed
    decomposed = "  " + unicodedata.normalize("NFD", HOAN_KIEM).upper().replace(" ", "\t ") + " "
    report = verify_pdf(pdf, trust, organisation=decomposed)
    assert report.verdict == Verdict.VALID and report.signatures[0].organisation_matches is True
    assert not report.other_organisations
    unchecked = verify_pdf(pdf, trust)  # no agency given: nothing to compare with
    assert unchecked.verdict == Verdict.VALID
    assert unchecked.signatures[0].organisation_matches is None


def test_organisation_names_match_after_normalisation_only():
    assert same_organisation(HOAN_KIEM, unicodedata.normalize("NFD", HOAN_KIEM.lower()))
    assert same_organisation("UBND  phường\nX", "ubnd phường x")
    assert not same_organisation(HOAN_KIEM, CAU_GIAY)
    assert not same_organisation("UBND phường Hoàn Kiếm", HOAN_KIEM)  # an abbreviation is another name
    assert not same_organisation(None, HOAN_KIEM) and not same_organisation("", "")
