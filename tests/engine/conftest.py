"""Fixtures of the engine's tests."""

from __future__ import annotations

import pytest

from ..helpers import bpmn_bundle, deploy


@pytest.fixture
def bundle(sessions, tmp_path):
    """Deploy a diagram of the conformance suite (tests/fixtures/bpmn/<name>.bpmn) as a
    bundle; returns its procedure code."""

    def deploy_one(name: str) -> str:
        deploy(sessions, bpmn_bundle(tmp_path, name))
        return name

    return deploy_one
