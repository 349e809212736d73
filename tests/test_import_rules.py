"""The import rules of ARCHITECTURE.md: the contracts in pyproject.toml
([tool.importlinter]) hold for the code, and import-linter breaks them on a tree that
violates one. bench/ and examples/ are scripts, not packages import-linter can see, so
their one rule (they never import web) is checked on their source."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)


def test_the_code_keeps_every_contract():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in run.stdout


def named_modules() -> set[str]:
    """Every module of ours that a contract names."""
    names: set[str] = set()
    for contract in CONFIG["contracts"]:
        for layer in contract.get("layers", []):
            names.update(part.strip() for part in layer.split("|"))
        names.update(contract.get("source_modules", []))
        names.update(contract.get("forbidden_modules", []))
    return {n for n in names if n.split(".")[0] in CONFIG["root_packages"]}


@pytest.fixture
def skeleton(tmp_path: Path) -> Path:
    """Empty packages for every module the contracts name, under the same contracts."""
    (tmp_path / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    for name in sorted(named_modules() | set(CONFIG["root_packages"])):
        folder = tmp_path.joinpath(*name.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


def test_the_skeleton_alone_keeps_every_contract(skeleton):
    run = lint_imports(skeleton)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("engine.procedures", "import engine.dossiers", "feature packages"),
    ("engine.audit", "import engine.deadlines", "feature packages"),
    ("engine.procedures", "import engine.accounts", "feature packages"),
    ("engine.errors", "import engine.audit", "foundation modules"),
    ("engine.dossiers", "import flask", "engine imports neither"),
    ("engine.outbox", "import connectors", "engine imports neither"),
    ("connectors", "import web", "Connectors import neither"),
    ("signing", "import engine", "Signing imports nothing"),
])
def test_the_checker_sees_a_violation(skeleton, module, line, broken):
    init = skeleton.joinpath(*module.split("."), "__init__.py")
    init.write_text(line + "\n", encoding="utf-8")
    run = lint_imports(skeleton)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 broken" in run.stdout
    broken_lines = [row for row in run.stdout.splitlines() if row.endswith(" BROKEN")]
    assert len(broken_lines) == 1 and broken in broken_lines[0], run.stdout


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", ["bench", "examples"])
def test_scripts_never_import_web(folder):
    for path in sorted((ROOT / folder).rglob("*.py")):
        assert "web" not in imported_top_levels(path), path


def test_the_script_check_sees_an_import_of_web(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom web.cli import main\n", encoding="utf-8")
    assert imported_top_levels(bad) == {"os", "web"}
