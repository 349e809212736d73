"""The command line, end to end on a real database file."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

from web.cli import main

from ..conftest import FIXTURES


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    yield prefix
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("path", list(all_commands(main)), ids=lambda p: " ".join(p) or "motcua")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", db_url)
    bundles = tmp_path / "processes"
    shutil.copytree(FIXTURES / "mini", bundles / "mini")
    monkeypatch.setenv("MOTCUA_PROCESSES", str(bundles))

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run.bundles = bundles
    return run


def test_deploy_list_submit_complete_audit(cli):
    out = cli("procedures", "deploy")
    assert "mini" in out and "v1" in out and "new version" in out
    assert "unchanged" in cli("procedures", "deploy")
    listing = cli("procedures", "list")
    assert "mini" in listing and "Thủ tục thử nghiệm" in listing
    assert "Tiếp nhận hồ sơ" in cli("procedures", "show", "mini")

    app = json.dumps({"ho_ten": "Vũ Thị Lan", "so_dinh_danh": "001099000555"})
    out = cli("dossiers", "submit", "mini", "--data", app, "--actor", "lan")
    code = out.split()[0]
    assert code.startswith("TEST-")
    assert "jobs done 1" in cli("worker", "--once")
    tasks = cli("tasks", "list", "--role", "reception")
    task_id = tasks.split()[0].lstrip("#")
    bad = cli("tasks", "complete", task_id, "--actor", "r1", "--data", '{"reception_decision": 5}', code=1)
    assert "reception_decision: 5 is not of type 'string'" in bad
    assert "in_progress" in cli("tasks", "complete", task_id, "--actor", "r1",
                                "--data", '{"reception_decision": "receive"}')
    again = cli("tasks", "complete", task_id, "--actor", "r2",
                "--data", '{"reception_decision": "receive"}', code=2)
    assert "already completed by r1" in again
    shown = cli("dossiers", "show", code)
    assert "in_progress" in shown and "task_completed" in shown
    assert "chain intact" in cli("audit", "verify", code)
    assert "consistent" in cli("audit", "replay")
    assert "no open incidents" in cli("incidents")


def test_deploy_refusal_names_file_element_and_reason(cli):
    (cli.bundles / "mini" / "forms" / "review.json").unlink()
    out = cli("procedures", "deploy", code=1)
    assert "forms/review.json [review]: form is missing or not a valid JSON Schema" in out
    assert "mini" not in cli("procedures", "list").splitlines()[-1]


def test_deploy_moves_the_callers_of_a_shared_sub_procedure_only_when_asked(cli, tmp_path):
    from ..helpers import bpmn_bundle

    shared = tmp_path / "shared"
    fee, _ = bpmn_bundle(shared, "shared_fee"), bpmn_bundle(shared, "shared_caller")
    cli("procedures", "deploy", str(shared))
    bpmn = fee / "procedure.bpmn"
    bpmn.write_text(bpmn.read_text().replace("Xác nhận đã thu phí", "Xác nhận thu phí"))
    out = cli("procedures", "deploy", str(fee))
    assert "shared_fee               v2" in out
    assert "shared_caller            calls shared_fee v1 (newest v2): unchanged" in out
    out = cli("procedures", "deploy", str(fee), "--update-callers")
    assert "calls shared_fee v1 (newest v2): new version calling the newest" in out
    assert "shared_caller            v2" in out
    assert "calls shared_fee" not in cli("procedures", "deploy", str(fee), "--update-callers")
