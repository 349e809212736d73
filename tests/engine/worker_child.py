"""`motcua worker` in a child process, with test handlers registered first.

Usage: python -m tests.engine.worker_child [motcua worker options]
Environment: MOTCUA_DATABASE_URL, TEST_WORKER_LOG (a file the handlers append
one line per event to), TEST_WORKER_GATE (test.block waits until it exists).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from engine.procedures.operators import JobContext, register


def _note(line: str) -> None:
    fd = os.open(os.environ["TEST_WORKER_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@register("test.block")
def block(ctx: JobContext) -> dict[str, Any]:
    """Block until the gate file exists; note the start and the end."""
    _note(f"start {ctx.job_id} {os.getpid()} {ctx.attempt}")
    gate = Path(os.environ["TEST_WORKER_GATE"])
    while not gate.exists():
        time.sleep(0.02)
    _note(f"end {ctx.job_id} {os.getpid()} {ctx.attempt}")
    return {"ran_in": os.getpid()}


@register("test.count")
def count(ctx: JobContext) -> dict[str, Any]:
    _note(f"run {ctx.job_id} {os.getpid()}")
    return {}


if __name__ == "__main__":
    from web.cli import main

    main(["worker", *sys.argv[1:]], prog_name="motcua")
