"""The runnable example does what its docstring says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_full_dossier_example_drives_each_procedure_to_the_end(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MOTCUA_DATABASE_URL"}
    env["MOTCUA_INSTANCE"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "examples.full_dossier"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    scenarios = {"marital_status": "marital_status", "birth_registration": "birth_registration",
                 "birth_registration_single_mother": "birth_registration",
                 "construction_permit": "construction_permit"}
    for name, code in scenarios.items():
        assert f"== {name}: {code} ==" in out
    n = len(scenarios)
    assert out.count("final status returned") == n
    assert out.count("consistent (") == n and out.count("chain intact") == n
    assert "lanhdao completed approval → in_progress" in out
    assert out.count("signed by Lê Quang Hải (B-LT), sha256 ") == n
