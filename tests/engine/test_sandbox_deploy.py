"""Bundles whose scripts or expressions would escape the sandbox are refused at deploy,
naming the element and the reason, through validation, the analysts' upload page and
the command line; nothing is stored and the escape never runs."""

from __future__ import annotations

import io
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.bpmn.sandbox import check_source
from engine.db import transaction
from engine.errors import BundleInvalid
from engine.models import ProcedureVersion
from engine.procedures.bundle import load_bundle, validate
from web.cli import main

from ..conftest import FIXTURES, csrf_token, login
from ..helpers import validate_folder

OPS = {"fee.collect", "fee.refund", "result.render", "result.sign", "result.deliver", "notify.send"}
VARIANTS = tomllib.loads((FIXTURES / "sandbox" / "escapes.toml").read_text(encoding="utf-8"))
REFUSED = VARIANTS["escape"] + VARIANTS["refused"]


def escaping_bundle(tmp_path: Path, variant: dict[str, str]) -> Path:
    """The mini fixture with one element changed to the variant; the marker and the
    secret are files under tmp_path."""
    target = tmp_path / "bundles" / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    bpmn = target / "procedure.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert variant["old"] in text, variant["old"]
    new = (variant["new"].replace("{marker}", str(tmp_path / "marker"))
           .replace("{secret}", str(tmp_path / "secret")))
    bpmn.write_text(text.replace(variant["old"], new, 1), encoding="utf-8")
    (tmp_path / "secret").write_text("SECRET-KEY-MATERIAL", encoding="utf-8")
    return target


def expected(variant: dict[str, str]) -> str:
    return f"procedure.bpmn [{variant['element']}]: {variant['problem']}"


def _versions(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(ProcedureVersion))


def test_the_variants_are_many():
    assert len(VARIANTS["escape"]) >= 10


@pytest.mark.parametrize("variant", REFUSED, ids=lambda v: v["name"])
def test_validation_refuses_naming_element_and_reason(tmp_path, variant):
    bundle = escaping_bundle(tmp_path, variant)
    with pytest.raises(BundleInvalid) as err:
        validate(load_bundle(bundle), OPS)
    problems = [str(p) for p in err.value.problems]
    assert any(p.startswith(expected(variant)) for p in problems), problems
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("variant", REFUSED, ids=lambda v: v["name"])
def test_the_upload_page_refuses_and_stores_nothing(app, people, sessions, tmp_path, variant):
    bundle = escaping_bundle(tmp_path, variant)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in load_bundle(bundle).files.items():
            archive.writestr(f"mini/{path}", text)
    analyst = login(app.test_client(), "admin")
    r = analyst.post("/quy-trinh/trien-khai", data={
        "csrf_token": csrf_token(analyst, "/quy-trinh"), "note": "",
        "bundle": (io.BytesIO(buffer.getvalue()), "quy-trinh.zip")},
        content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    problems = re.search(r'<ul id="problems">(.*?)</ul>', body, re.S).group(1)
    assert expected(variant) in problems.replace("&#39;", "'"), problems
    assert _versions(sessions) == 0
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("variant", REFUSED, ids=lambda v: v["name"])
def test_the_command_line_refuses_and_stores_nothing(db_url, sessions, monkeypatch, tmp_path,
                                                     variant):
    bundle = escaping_bundle(tmp_path, variant)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    monkeypatch.setenv("MOTCUA_PROCESSES", str(bundle.parent))
    result = CliRunner().invoke(main, ["procedures", "deploy"])
    assert result.exit_code == 1, result.output
    assert expected(variant) in result.output
    assert _versions(sessions) == 0
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("source", [
    'reception_decision == "receive"', "fee_amount > 0", '"P2D"', 'application["hen_gio"]',
    "'giay_khai_sinh.html'", "True",
])
def test_the_expressions_the_procedures_use_pass(source):
    assert check_source(source, "eval") == []


def test_every_procedure_under_processes_passes():
    assert len(validate_folder(FIXTURES.parent.parent / "processes")) == 5
