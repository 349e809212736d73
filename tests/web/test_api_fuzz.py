"""The JSON API fuzzed from its own OpenAPI document (schemathesis, in-process over
WSGI) with each role's token: no request, valid or not, gets a server error, and
every answer matches the document (status code, content type, body schema)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.accounts import accounts
from engine.db import transaction
from engine.dossiers.drafts import add_attachment, save_draft
from engine.procedures import procedures
from engine.scenario.scenario import all_scenarios, drive

from ..conftest import PROCESSES
from ..helpers import task

ROLES = {"citizen": "congdan", "reception": "tiepnhan", "specialist": "chuyenvien",
         "leader": "lanhdao", "auditor": "kiemtoan", "admin": "admin"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
FUZZ = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def seeded(sessions, people) -> dict[str, Any]:
    """A dossier waiting for its review and one done; a token per role; the waiting
    dossier's code and review task and a citizen's draft with a file, to fuzz the
    operations on real objects too."""
    with transaction(sessions) as s:
        procedures.deploy_path(s, PROCESSES, "test")
    marital = all_scenarios()["marital_status"]
    code = drive(sessions, marital, "approve", steps=1)
    drive(sessions, marital, "reject")
    with transaction(sessions) as s:
        tokens = {role: accounts.create_api_token(s, accounts.find_user(s, username), "fuzz")[1]
                  for role, username in ROLES.items()}
        draft = save_draft(s, "congdan", "marital_status", {}).id
        attachment = add_attachment(s, uploaded_by="congdan", document_code="to_khai",
                                    filename="to-khai.pdf", media_type="application/pdf",
                                    data=b"%PDF-1.7\n%%EOF\n", draft_id=draft).id
    return {"tokens": tokens, "path": {"code": code, "task_id": task(sessions, code, "review").id,
                                       "draft_id": draft, "attachment_id": attachment,
                                       "item_id": 1}}


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_fuzzed_requests_as_documented(app, seeded, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded['tokens'][role]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /api/v1/dossiers", "POST /api/v1/dossiers",
                                               "POST /api/v1/tasks/{task_id}/complete"}
    failures: list[str] = []
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        strategies = {mode.value: operation.as_strategy(generation_mode=mode)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)}
        if names:
            strategies["positive, seeded path"] = operation.as_strategy(
                path_parameters={name: seeded["path"][name] for name in names})
        for variant, strategy in strategies.items():
            @FUZZ
            @given(case=strategy)
            def fuzz(case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                fuzz()
            # schemathesis reports its findings as a group: every operation is tried, all reported
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({variant}) as {role}:\n{failure}")
    assert not failures, "\n\n".join(failures)
