"""ARCHITECTURE.md describes the tree as it is: every folder, package, module and
name it cites exists, and every top-level folder of the repository, every package and
module of engine/, is cited."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
CITED = set(re.findall(r"`([^`\s]+)`", TEXT))
ENGINE = ROOT / "engine"
# folders a run makes and git ignores (instance/, artifacts/): cited, but they may not exist yet
MADE_BY_A_RUN = {line.strip().rstrip("/") for line in
                 (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
                 if line.strip().endswith("/") and "*" not in line}


def package_rows() -> list[tuple[list[str], set[str]]]:
    """The rows of the packages table: the packages, and the modules the row names."""
    rows = []
    for line in TEXT.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`engine."):
            rows.append((re.findall(r"`(engine\.\w+)`", cells[0]),
                         set(re.findall(r"`(\w+)`", cells[1]))))
    return rows


def engine_packages() -> set[str]:
    return {p.parent.name for p in ENGINE.glob("*/__init__.py")}


def test_every_top_level_folder_is_cited():
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")
               and not p.name.endswith(".egg-info") and p.name != "__pycache__"}
    assert {f for f in folders if f"{f}/" not in CITED} == set()


def test_every_cited_path_exists():
    paths = {c.rstrip("/") for c in CITED if "/" in c and "*" not in c} - MADE_BY_A_RUN
    assert {p for p in paths if not (ROOT / p).exists()} == set()


def test_every_cited_dotted_name_exists():
    missing = []
    for name in sorted(c for c in CITED if re.fullmatch(r"engine(\.\w+)+", c)):
        parts = name.split(".")
        found = None
        for i in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:i]))
            except ModuleNotFoundError:
                continue
            for attr in parts[i:]:
                found = getattr(found, attr, None)
            break
        if found is None:
            missing.append(name)
    assert missing == []


def test_each_feature_package_is_in_the_table_with_all_its_modules():
    rows = package_rows()
    in_table = {package.split(".")[1] for packages, _ in rows for package in packages}
    foundation = engine_packages() - in_table
    assert foundation == {"models"}, "a new engine package belongs in the packages table"
    for packages, names in rows:
        modules = set()
        for package in packages:
            folder = ENGINE / package.split(".")[1]
            assert (folder / "__init__.py").is_file(), package
            modules |= {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        assert names == modules, packages


def test_every_foundation_module_is_cited():
    top = {p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    assert {m for m in top if f"`{m}`" not in TEXT} == set()
    assert "`models`" in TEXT and "`engine/migrations/`" in TEXT


def test_the_layer_order_is_the_one_lint_imports_checks():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c["layers"] for c in config["tool"]["importlinter"]["contracts"]
                  if c["type"] == "layers")
    table = [" | ".join(packages) for packages, _ in package_rows()]
    assert table == layers
