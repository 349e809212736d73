"""The application schemas ask for a section only when it applies."""

from __future__ import annotations

import copy

import pytest

from engine.errors import InvalidInput
from engine.procedures.bundle import called_elsewhere, load_bundle, validate
from engine.procedures.forms import check
from engine.scenario.scenario import SCENARIOS, Scenario

from ..conftest import PROCESSES


def application_schema(code: str) -> dict:
    bundle = load_bundle(PROCESSES / code)
    shared = {c: validate(load_bundle(PROCESSES / c), None) for c in called_elsewhere(bundle)}
    procedure = validate(bundle, None, shared)
    return procedure.forms[procedure.settings["start_form"]]


def test_a_single_mother_registers_a_birth_without_a_father():
    data = Scenario.load(SCENARIOS / "birth_registration_single_mother.json").application
    assert "cha" not in data
    assert check(application_schema("birth_registration"), data) == data


def test_a_house_without_a_basement_needs_no_basement_fields():
    schema = application_schema("construction_permit")
    data = copy.deepcopy(Scenario.load(SCENARIOS / "construction_permit.json").application)
    data["cong_trinh"].pop("co_tang_ham")
    check(schema, data)
    data["cong_trinh"]["co_tang_ham"] = False
    check(schema, data)
    data["cong_trinh"]["co_tang_ham"] = True
    with pytest.raises(InvalidInput) as refused:
        check(schema, data)
    assert refused.value.errors == {"cong_trinh.so_tang_ham": ["is required"]}
    data["cong_trinh"]["so_tang_ham"] = 1
    check(schema, data)
