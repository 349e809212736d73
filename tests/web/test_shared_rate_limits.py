"""Rate limits shared through Redis (the machine's server at 127.0.0.1:6379) by setting
(MOTCUA_RATELIMIT_STORAGE): two web processes on one database count the same sign-in
attempts, so the limit reached through one refuses on the other; with the default
(`memory://`) each process counts its own. Each test keeps its counts under a key prefix
of its own and removes them after."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine import config
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"
LOGIN_LIMIT = 20  # web.auth: sign-in attempts a minute from one address


@pytest.fixture
def prefix():
    """A key prefix of the test's own; its keys are removed from Redis after it."""
    import redis

    server = redis.Redis.from_url(REDIS)
    name = f"motcua-test-{uuid.uuid4().hex}"
    yield name
    keys = list(server.scan_iter(match=f"*{name}*"))
    if keys:
        server.delete(*keys)
    server.close()


def redis_keys(prefix: str) -> list[bytes]:
    import redis

    with redis.Redis.from_url(REDIS) as server:
        return list(server.scan_iter(match=f"*{prefix}*"))


class Process:
    """The app in a child process (tests/web/ratelimit_child.py), driven over its pipes."""

    def __init__(self, db_url: str, prefix: str, storage: str) -> None:
        env = {**os.environ, "MOTCUA_RATELIMIT_STORAGE": storage}
        self.child = subprocess.Popen(
            [sys.executable, "-m", "tests.web.ratelimit_child", db_url, prefix], cwd=ROOT,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None and self.child.stdin is not None
        self.stdin, self.stdout = self.child.stdin, self.child.stdout
        assert self.stdout.readline().strip() == "ready"

    def login(self, times: int) -> list[int]:
        self.stdin.write(f"login {times}\n")
        self.stdin.flush()
        return json.loads(self.stdout.readline())

    def close(self) -> None:
        self.stdin.write("quit\n")
        self.stdin.close()
        self.child.wait(timeout=60)


def app_with(sessions, prefix: str):
    return create_app(sessions, TESTING=True, SECRET_KEY="t", WTF_CSRF_ENABLED=False,
                      RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix)


def logins(client, times: int) -> list[int]:
    return [client.post("/login", data={"username": "congdan", "password": "sai"}).status_code
            for _ in range(times)]


def test_a_redis_that_does_not_answer_leaves_each_process_counting_its_own(sessions, prefix,
                                                                            monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("MOTCUA_RATELIMIT_STORAGE", f"redis://127.0.0.1:{port}/0")
    here = app_with(sessions, prefix).test_client()
    assert logins(here, LOGIN_LIMIT) == [401] * LOGIN_LIMIT  # sign-in still answers
    assert logins(here, 1) == [429]  # and is still limited


def test_two_processes_sharing_redis_count_the_same_attempts(sessions, db_url, prefix,
                                                             monkeypatch):
    monkeypatch.setenv("MOTCUA_RATELIMIT_STORAGE", REDIS)
    other = Process(db_url, prefix, REDIS)  # started first: the count's minute starts below
    try:
        here = app_with(sessions, prefix).test_client()
        assert logins(here, LOGIN_LIMIT // 2) == [401] * (LOGIN_LIMIT // 2)
        assert other.login(LOGIN_LIMIT // 2) == [401] * (LOGIN_LIMIT // 2)
        assert redis_keys(prefix)  # the counts are in Redis, under this test's prefix
        # the limit is reached: both processes refuse the next attempt
        assert logins(here, 1) == [429]
        assert other.login(1) == [429]
    finally:
        other.close()


def test_with_the_default_each_process_counts_its_own(sessions, db_url, prefix, monkeypatch):
    monkeypatch.delenv("MOTCUA_RATELIMIT_STORAGE", raising=False)
    other = Process(db_url, prefix, "memory://")
    try:
        here = app_with(sessions, prefix).test_client()
        assert logins(here, LOGIN_LIMIT) == [401] * LOGIN_LIMIT
        assert logins(here, 1) == [429]
        assert other.login(1) == [401]  # the other process saw none of them
    finally:
        other.close()
    assert redis_keys(prefix) == []


@pytest.mark.parametrize("value", ["127.0.0.1:6379", "memcached://127.0.0.1:11211", "x://"])
def test_a_storage_that_is_not_memory_or_redis_is_named(monkeypatch, value):
    monkeypatch.setenv("MOTCUA_RATELIMIT_STORAGE", value)
    with pytest.raises(ValueError, match="MOTCUA_RATELIMIT_STORAGE must be memory:// or a Redis"):
        config.ratelimit_storage()


def test_the_default_is_each_process_its_own_count(monkeypatch):
    monkeypatch.delenv("MOTCUA_RATELIMIT_STORAGE", raising=False)
    assert config.ratelimit_storage() == "memory://"
    monkeypatch.setenv("MOTCUA_RATELIMIT_STORAGE", "rediss://:secret@cache.example.vn:6380/2")
    assert config.ratelimit_storage() == "rediss://:secret@cache.example.vn:6380/2"
