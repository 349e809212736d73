"""DESIGN's import rules, checked on the source: signing imports nothing of ours,
engine never imports web, connectors, signing or Flask, nothing imports web."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"engine", "connectors", "signing", "web"}
FORBIDDEN = {
    "signing": OURS - {"signing"},
    "engine": {"web", "connectors", "signing", "flask"},
    "connectors": {"web", "flask"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_design_allows(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & FORBIDDEN[package])
        for path in sources(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_nothing_imports_web():
    for package in ("engine", "connectors", "signing", "examples", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            assert "web" not in imported_top_levels(path), path


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom flask import Flask\nfrom web.cli import main\n")
    assert imported_top_levels(bad) == {"os", "flask", "web"}
