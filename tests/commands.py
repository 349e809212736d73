"""`motcua` commands as child processes of a test: start one, wait until it answers,
ask it over HTTP, find a free port for it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def motcua(env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """`motcua ARGS...` with this environment, its output (both streams) piped, or
    written to `log`: a process that logs a line per request would fill the pipe of a
    test that reads it only at the end, and stop there."""
    out = log.open("w", encoding="utf-8") if log is not None else subprocess.PIPE
    try:
        return subprocess.Popen([sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]  (the child holds its own copy)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a GET; an HTTP error status is an answer too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_until_up(proc: subprocess.Popen[str], url: str, timeout: float = 90) -> None:
    """Until `url` answers 200; fails at once with the output if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"{proc.args} exited {proc.returncode}: {out}")
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{proc.args} did not answer {url} within {timeout}s")
