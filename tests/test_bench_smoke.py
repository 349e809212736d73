"""Every bench still runs: each script, with the smallest sizes, ends cleanly and prints
its figures. The figures themselves are read by people (bench/README.md), never
asserted here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

SMALL = {
    "dashboard": (["--url", "sqlite:///{tmp}/dash.db", "--fill", "12", "--claim", "4",
                   "--repeat", "1"], "without/with the index"),
    "delivery": (["--n", "3"], "notice over SMTP"),
    "fill": (["--url", "sqlite:///{tmp}/fill.db", "--dossiers", "20", "--days", "1",
              "--citizens", "2", "--scenarios", "marital_status:approve"], "open tasks"),
    "load": (["--url", "sqlite:///{tmp}/load.db", "--fill", "12", "--citizens", "2",
              "--users", "4", "--seconds", "3", "--think", "0.2", "--workers", "1"],
             "p95/baseline"),
    "pages": (["--url", "sqlite:///{tmp}/pages.db", "--fill", "12", "--repeat", "2"],
              "median/baseline"),
    "engine_steps": (["--n", "2", "--repeat", "1"], "the ceiling's steps/s"),
    "inbox": (["--tasks", "200", "--completed", "200", "--runs", "2"],
              "specialist TUPHAP, all, by due date"),
    "payments": (["--n", "3", "--repeat", "1"], "signing a payment URL"),
    "registers": (["--n", "5", "--threads", "2", "--repeat", "1"], "numbers/s"),
    "sandbox": (["--number", "20", "--repeat", "1"], "gateway condition"),
    "seals": (["--n", "20", "--repeat", "1"], "Merkle root over"),
    "signing": (["--repeat", "5", "--processes", "1", "--seconds", "0.5"],
                "signatures per second"),
    "worker": (["--jobs", "20", "--dossiers", "2", "--repeat", "1"], "two/one"),
}


def test_every_bench_has_a_smoke_run():
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")} - {"bench_db", "__init__"}
    assert scripts == set(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_bench_runs_and_prints_its_figures(name, tmp_path):
    args, marker = SMALL[name]
    args = [a.format(tmp=tmp_path) for a in args]
    env = {k: v for k, v in os.environ.items() if k != "MOTCUA_DATABASE_URL"}
    env["MOTCUA_INSTANCE"] = str(tmp_path)
    if os.environ.get("MOTCUA_TEST_DATABASE_URL"):
        env["MOTCUA_BENCH_PG_URL"] = os.environ["MOTCUA_TEST_DATABASE_URL"]
    run = subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert marker in run.stdout, run.stdout[-3000:]
