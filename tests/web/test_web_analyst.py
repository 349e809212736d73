"""The analysts' pages: procedures and versions, the diagram, what changed between two
versions, and deploying a new version from a ZIP (refused with every problem named, and
nothing stored, when the bundle is bad)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import ProcedureVersion
from engine.procedures import procedures
from engine.procedures.bundle import load_bundle
from engine.procedures.version_diff import compare

from ..conftest import PROCESSES, csrf_token, login

MARITAL = PROCESSES / "marital_status"


@pytest.fixture
def deployed(sessions, people):
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    return sessions


def _zip(files: dict[str, str], folder: str | None = "marital_status") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(f"{folder}/{path}" if folder else path, text)
    return buffer.getvalue()


def _edited(**replacements: tuple[str, str]) -> dict[str, str]:
    files = dict(load_bundle(MARITAL).files)
    for path, (old, new) in replacements.items():
        path = path.replace("__", "/").replace("_dot_", ".")
        assert old in files[path], (path, old)
        files[path] = files[path].replace(old, new, 1)
    return files


def _upload(client, data: bytes, note: str = ""):
    token = csrf_token(client, "/quy-trinh")
    return client.post("/quy-trinh/trien-khai", data={
        "csrf_token": token, "note": note, "bundle": (io.BytesIO(data), "quy-trinh.zip")},
        content_type="multipart/form-data")


def _versions(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(ProcedureVersion))


def test_procedures_and_their_diagram(app, deployed):
    analyst = login(app.test_client(), "admin")
    body = analyst.get("/quy-trinh").get_data(as_text=True)
    # the shared sub-procedures are procedures the analysts keep too
    assert re.findall(r'<tr data-code="(\w+)">', body) == [
        "birth_registration", "construction_permit", "fee_collection", "marital_status",
        "result_issue"]
    assert 'action="/quy-trinh/trien-khai"' in body
    page = analyst.get("/quy-trinh/marital_status").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="bpmn"' in page
    assert 'data-element="review"' in page and "Thẩm định, xác minh" in page
    assert "3 ngày làm việc" in page and "sổ XNTTHN" in page
    auditor = login(app.test_client(), "kiemtoan")  # may look, may not deploy
    assert auditor.get("/quy-trinh/marital_status").status_code == 200
    assert 'action="/quy-trinh/trien-khai"' not in auditor.get("/quy-trinh").get_data(as_text=True)
    assert _upload(auditor, b"x").status_code == 403
    assert login(app.test_client(), "chuyenvien").get("/quy-trinh").status_code == 403


def test_a_new_version_is_deployed_from_a_zip_and_compared(app, deployed):
    analyst = login(app.test_client(), "admin")
    files = _edited(
        procedure_dot_toml=("legal_deadline_working_days = 3", "legal_deadline_working_days = 2"),
        procedure_dot_bpmn=('name="Thẩm định, xác minh tình trạng hôn nhân"',
                            'name="Thẩm định hồ sơ"'),
        templates__certificate_dot_html=("XÁC NHẬN:", "XÁC NHẬN RẰNG:"))
    r = _upload(analyst, _zip(files), note="Rút ngắn thời hạn còn 2 ngày")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        "/quy-trinh/marital_status/so-sanh?tu=1&den=2")
    body = analyst.get(r.headers["Location"]).get_data(as_text=True)
    settings = re.search(r'id="settings-changes".*?</table>', body, re.S).group(0)
    assert 'data-item="legal_deadline_working_days"' in settings and "<td>3</td>" in settings
    elements = re.search(r'id="element-changes".*?</table>', body, re.S).group(0)
    assert 'data-item="review"' in elements and "name: Thẩm định hồ sơ" in elements
    assert re.search(r'<span class="add">\+.*XÁC NHẬN RẰNG:', body)
    after = re.search(r'id="diagram-after".*?</svg>', body, re.S).group(0)
    assert '<g data-element="review" data-mark="changed">' in after
    page = analyst.get("/quy-trinh/marital_status").get_data(as_text=True)
    assert "Rút ngắn thời hạn còn 2 ngày" in page and "2 ngày làm việc" in page
    # the same content again makes no new version
    r = _upload(analyst, _zip(files, folder=None))
    assert r.status_code == 302 and _versions(deployed) == 6  # five bundles, one new version
    assert "trùng với phiên bản 2" in analyst.get(r.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("data", "expected"), [
    (b"PK\x03\x04 not really", "(upload): not a ZIP archive"),
    (_zip(_edited(procedure_dot_bpmn=("</bpmn:process>", "</bpmn:proces>"))),
     "procedure.bpmn: malformed XML"),
    (_zip({"../procedure.toml": "code = 'x'"}, folder=None), "unsafe path in the archive"),
    (_zip({**load_bundle(MARITAL).files, "run.sh": "rm -rf /"}), "run.sh: not a bundle file"),
    (_zip(_edited(procedure_dot_toml=('code = "marital_status"', 'code = "../etc"'))),
     "procedure.toml: 'code' is required"),
])
def test_a_bad_bundle_is_refused_with_its_problems_and_nothing_is_stored(app, deployed, data,
                                                                         expected):
    analyst = login(app.test_client(), "admin")
    before = _versions(deployed)
    r = _upload(analyst, data)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "không có gì thay đổi" in body
    problems = re.search(r'<ul id="problems">(.*?)</ul>', body, re.S).group(1)
    assert expected in problems.replace("&#39;", "'"), problems
    assert _versions(deployed) == before


def test_compare_names_flows_and_form_fields():
    base = load_bundle(MARITAL).files
    changed = dict(base)
    changed["procedure.bpmn"] = base["procedure.bpmn"].replace(
        'review_decision == "approve"', 'review_decision in ("approve", "approve_partly")', 1)
    changed["forms/review.json"] = base["forms/review.json"].replace(
        '"maxLength": 4000', '"maxLength": 2000', 1)
    diff = compare(base, changed)
    assert diff.settings == [] and diff.elements == [] and diff.templates == {}
    [flow] = diff.flows
    assert flow.kind == "changed" and 'approve_partly' in flow.after
    [field] = diff.forms["forms/review.json"]
    assert field.kind == "changed" and field.before == "maxLength: 4000"
    assert compare(base, base).empty
