"""Deploy refuses decision tables SpiffWorkflow would run wrongly or not at all, and
business rule tasks calling no decision, naming each file, rule and reason, all at once:
the negative bundles under tests/fixtures/bpmn/refused/dmn/ (a diagram and its
decisions/*.dmn), each deploying once mended. Cells written in FEEL get what to write
instead, and the mended cells decide as the advice says when a dossier runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.sandbox import make_script_engine
from engine.errors import BundleInvalid
from engine.procedures.bundle import Procedure, load_bundle, validate
from engine.procedures.decisions import _feel_names, _feel_test

from ..helpers import CONFORMANCE, bpmn_bundle

REFUSED = CONFORMANCE / "refused" / "dmn"

# name: the problems (file, element, a fragment of the reason) and the replacements
# (file, old, new) that mend the bundle
CASES = {
    "missing_decision": (
        [("procedure.bpmn", "decide_fee", "business rule task calls decision 'fee_by_case', which "
          "no file under decisions/ defines (decisions: 'fee_by_channel')")],
        [("procedure.bpmn", ">fee_by_case<", ">fee_by_channel<")]),
    "unnamed_decision": (
        [("procedure.bpmn", "decide_fee", "business rule task names no decision: add "
          "<spiffworkflow:calledDecisionId> with the id of a decision in decisions/*.dmn (write "
          "'fee_by_channel' there instead of camunda:decisionRef)")],
        [("procedure.bpmn", ' camunda:decisionRef="fee_by_channel">',
          '><bpmn:extensionElements><spiffworkflow:calledDecisionId>fee_by_channel'
          '</spiffworkflow:calledDecisionId></bpmn:extensionElements>')]),
    "bad_expression": (
        [("decisions/bad_expression.dmn", "by_type", "rule 1, input 'Kênh nộp': "
          "`< len(application.__class__.__name__)`: attribute '__name__' is not allowed"),
         ("decisions/bad_expression.dmn", "by_import",
          "rule 2, output 'Lệ phí': attribute 'getcwd' is not allowed (line 1); name '__import__' "
          "is not allowed")],
        [("decisions/bad_expression.dmn", "&lt; len(application.__class__.__name__)",
          "&lt; len(application)"),
         ("decisions/bad_expression.dmn", '__import__("os").getcwd()', "50000")]),
    "feel_entries": (
        [("decisions/feel_entries.dmn", "feel_list", "rule 1, input 'Kênh nộp': cells are Python "
          'expressions, not FEEL: write `in ("counter","postal")` instead of `"counter","postal"`'),
         ("decisions/feel_entries.dmn", "feel_range", "rule 2, input 'Số lượng': cells are Python "
          "expressions, not FEEL: write `1 <= ? <= 10` instead of `[1..10]`"),
         ("decisions/feel_entries.dmn", "feel_not", "rule 3, input 'Kênh nộp': cells are Python "
          'expressions, not FEEL: write `!= "online"` instead of `not("online")`'),
         ("decisions/feel_entries.dmn", "feel_not", "rule 3, output 'Lệ phí': cells are Python "
          "expressions, not FEEL: write `True` instead of `true`"),
         ("decisions/feel_entries.dmn", "feel_date", "rule 4, input 'Số lượng': function 'date' is "
          "not available: cells are Python expressions over the dossier's data")],
        [("decisions/feel_entries.dmn", '<text>"counter","postal"</text>',
          '<text>in ("counter","postal")</text>'),
         ("decisions/feel_entries.dmn", "[1..10]", "1 &lt;= ? &lt;= 10"),
         ("decisions/feel_entries.dmn", 'not("online")', '!= "online"'),
         ("decisions/feel_entries.dmn", "<text>true</text>", "<text>10000</text>"),
         ("decisions/feel_entries.dmn", '&gt;= date("2026-01-01")', "&gt;= 5")]),
    "broken_dmn": (
        [("decisions/broken_dmn.dmn", None, "malformed XML: Opening and ending tag mismatch"),
         ("procedure.bpmn", "decide_fee", "which no file under decisions/ defines "
          "(decisions/broken_dmn.dmn cannot be read)")],
        None),
    "unsupported_table": (
        [("decisions/unsupported_table.dmn", "fee_by_channel", "hit policy PRIORITY is not "
          "supported: SpiffWorkflow runs UNIQUE, FIRST (the first rule that matches) and COLLECT"),
         ("decisions/unsupported_table.dmn", "out_fee", "output 'Lệ phí' needs a name that can be "
          "a variable"),
         ("decisions/unsupported_table.dmn", "short", "rule 2 has 0 input and 1 output entries, "
          "but the table has 1 input and 1 output")],
        [("decisions/unsupported_table.dmn", 'hitPolicy="PRIORITY"', 'hitPolicy="FIRST"'),
         ("decisions/unsupported_table.dmn", 'label="Lệ phí" typeRef', 'label="Lệ phí" name="fee" '
          "typeRef"),
         ("decisions/unsupported_table.dmn", '<rule id="short">',
          '<rule id="short"><inputEntry id="short_in0"><text>-</text></inputEntry>')]),
    "overlapping_rules": (
        [("decisions/overlapping_rules.dmn", "any", "rules 1 and 2 both match the same input (e.g. "
          "Kênh nộp: 'online'), but the hit policy is UNIQUE: make them exclusive, or use FIRST")],
        [("decisions/overlapping_rules.dmn", 'hitPolicy="UNIQUE"', 'hitPolicy="FIRST"')]),
}


def refusals(bundle: Path) -> list[str]:
    with pytest.raises(BundleInvalid) as err:
        validate(load_bundle(bundle), None)
    return [str(p) for p in err.value.problems]


def mend(bundle: Path, replacements: list[tuple[str, str, str]]) -> None:
    for path, old, new in replacements:
        file = bundle / path
        text = file.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        file.write_text(text.replace(old, new), encoding="utf-8")


def fee(procedure: Procedure, channel: str, count: int) -> object:
    """The fee the bundle's decision gives, run as a dossier runs it (through the sandbox)."""
    workflow = BpmnWorkflow(procedure.spec, procedure.subprocess_specs,
                            script_engine=make_script_engine())
    workflow.get_next_task().data.update(channel=channel, application={"count": count})
    workflow.do_engine_steps()
    [waiting] = workflow.get_tasks(state=TaskState.READY)
    return waiting.data.get("fee", "unset")


def test_every_refused_decision_bundle_has_its_case():
    assert {path.stem for path in REFUSED.glob("*.bpmn")} == set(CASES)
    assert {path.stem for path in (REFUSED / "decisions").glob("*.dmn")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_refusal_names_file_rule_and_reason(tmp_path, name):
    expected, mending = CASES[name]
    bundle = bpmn_bundle(tmp_path, name, source=REFUSED)
    found = refusals(bundle)
    for file, element, reason in expected:
        where = f"{file} [{element}]: " if element else f"{file}: "
        assert any(p.startswith(where) and reason in p for p in found), (where, reason, found)
    assert len(found) == len(expected), found
    assert not any("syntax error" in p for p in found), found
    if mending is not None:
        mend(bundle, mending)
        validate(load_bundle(bundle), None)


def test_the_mended_feel_cells_decide_as_the_advice_says(tmp_path):
    bundle = bpmn_bundle(tmp_path, "feel_entries", source=REFUSED)
    mend(bundle, CASES["feel_entries"][1])
    procedure = validate(load_bundle(bundle), None)
    assert fee(procedure, "counter", 3) == 50000  # in ("counter","postal")
    assert fee(procedure, "online", 1) == 25000  # 1 <= ? <= 10
    assert fee(procedure, "online", 10) == 25000
    assert fee(procedure, "online", 11) == 0  # >= 5, after the range failed
    assert fee(procedure, "portal", 0) == 10000  # != "online"
    assert fee(procedure, "online", 0) == "unset"  # no rule matches


def test_collect_gathers_every_matching_rule_but_refuses_an_aggregation(tmp_path):
    bundle = bpmn_bundle(tmp_path, "overlapping_rules", source=REFUSED)
    mend(bundle, [("decisions/overlapping_rules.dmn", 'hitPolicy="UNIQUE"',
                   'hitPolicy="COLLECT" aggregation="SUM"')])
    [refused] = refusals(bundle)
    assert refused.startswith("decisions/overlapping_rules.dmn [fee_by_channel]: COLLECT with "
                              "aggregation SUM is not supported"), refused
    mend(bundle, [("decisions/overlapping_rules.dmn", ' aggregation="SUM"', "")])
    procedure = validate(load_bundle(bundle), None)
    assert fee(procedure, "online", 0) == [0, 50000]
    assert fee(procedure, "postal", 0) == [70000]
    assert fee(procedure, "portal", 0) == "unset"


def test_blanks_around_cells_and_input_expressions_change_nothing(tmp_path):
    """SpiffWorkflow reads a cell starting with a blank as an indented line, and joins an
    input expression to a test as written: the engine hands it trimmed cells and
    parenthesised inputs, so what a modeller pretty-printed runs as drawn."""
    bundle = bpmn_bundle(tmp_path, "feel_entries", source=REFUSED)
    mend(bundle, CASES["feel_entries"][1])
    dmn = bundle / "decisions" / "feel_entries.dmn"
    text = dmn.read_text(encoding="utf-8").replace("<text>", "<text>\n   ").replace(
        "</text>", "  \n</text>").replace('application.get("count", 0)',
                                          'application.get("count", 0) or 0')
    dmn.write_text(text, encoding="utf-8")
    procedure = validate(load_bundle(bundle), None)
    assert [fee(procedure, *case) for case in (("counter", 3), ("online", 7), ("online", 11),
                                               ("portal", 0))] == [50000, 25000, 0, 10000]


@pytest.mark.parametrize("cell, advice", [
    ("[1..10]", "`1 <= ? <= 10`"), ("]1..10[", "`1 < ? < 10`"), ("(1..10]", "`1 < ? <= 10`"),
    ("[0..limit)", "`0 <= ? < limit`"),
    ('not("a", "b")', '`not in ("a", "b")`'), ('not("a")', '`!= "a"`'),
    ('"a", "b"', '`in ("a", "b")`'), ('= "a"', '`"a"`'),
])
def test_feel_tests_get_what_to_write(cell, advice):
    assert advice in _feel_test(cell)


@pytest.mark.parametrize("cell, advice", [
    ("null", "`None`"), ("false", "`False`"), ('date("2026-01-01")', "function 'date'"),
    ('>= date and time("2026-01-01T00:00:00")', "function 'time'"),
])
def test_feel_names_get_what_to_write(cell, advice):
    assert advice in _feel_names(cell)


@pytest.mark.parametrize("cell", [
    '"online"', "< 100", ">= 5", 'in ("a", "b")', 'not in ("a",)', "1 <= ? < 10", '!= "true"',
    "len(x) > 2", '"null"', "round(? / 2) == 3", "x.get('a')",
])
def test_python_cells_are_left_to_the_sandbox(cell):
    assert _feel_test(cell) == "" and _feel_names(cell) == ""
