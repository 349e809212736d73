"""Decision tables in a bundle (`decisions/*.dmn`), run by business rule tasks.

A business rule task names its decision with `spiffworkflow:calledDecisionId`;
SpiffWorkflow runs the decision's table when the task is reached and puts the outputs of
the rule that matches into the task's data. Each cell of the table is a Python
expression that SpiffWorkflow joins to the column's input expression and evaluates
through the workflow's script engine, that is through our sandbox:

- an input entry that is a value (`"online"`, `5`) is a test of equality:
  `(input) == (value)`;
- one that starts with an operator (`< 100`, `>= 5`, `!= "a"`, `in ("a", "b")`,
  `not in (...)`) is the input followed by the entry;
- one with `?` stands for the input's value (`1 <= ? < 10`);
- `-` or an empty cell matches anything;
- an output entry is an expression whose value becomes the output's variable.

FEEL, the language DMN modellers write by default, is not understood: its lists
(`"a","b"`), ranges (`[1..10]`), negation (`not("a")`), `true`/`false`/`null` and
functions (`date(...)`) are refused at deploy with what to write instead. Every
expression SpiffWorkflow would evaluate is built the way it builds it and checked by
the sandbox. Hit policies: UNIQUE and FIRST (SpiffWorkflow takes the first rule that
matches, so the rules of a UNIQUE table must not overlap: checked where the cells are
plain values) and COLLECT without aggregation (each output a list).
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from itertools import combinations
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from ..bpmn.parser import DMN_NAMESPACES, UnsafeXml, parse_xml_safely, read_decision
from ..bpmn.sandbox import check_source
from ..bpmn.sandbox_guards import Budget
from ..errors import BundleProblem

FOLDER = "decisions/"
HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
OUTPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
FEEL_RANGE = re.compile(r"([\[\]\(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]\)])")
QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')
FEEL_WORDS = {"true": "True", "false": "False", "null": "None"}
FEEL = "cells are Python expressions, not FEEL: write "


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    text: str  # an input's expression; an output's variable name


@dataclass(frozen=True)
class Row:
    id: str
    number: int  # from 1, in the table's order
    description: str
    inputs: tuple[str, ...]  # "" is "any"
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class DecisionTable:
    """A decision table as the analyst drew it (cells as written, blanks trimmed)."""

    file: str
    id: str
    name: str
    hit_policy: str
    aggregation: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[Row, ...]


@dataclass
class _Reading:
    table: DecisionTable | None = None
    problems: list[tuple[str | None, str]] = field(default_factory=list)  # (element, reason)


def decision_files(files: dict[str, str]) -> list[str]:
    return sorted(p for p in files if p.startswith(FOLDER) and p.endswith(".dmn"))


def read_tables(files: dict[str, str]) -> list[DecisionTable]:
    """The decision tables of a bundle's files that can be read, by file name."""
    tables = (_read(files[path], path).table for path in decision_files(files))
    return [t for t in tables if t is not None]


def read_table(files: dict[str, str], path: str) -> DecisionTable | None:
    return _read(files[path], path).table if path in files else None


def _dmn(node: Any, name: str) -> bool:
    return (isinstance(node.tag, str) and etree.QName(node).namespace in DMN_NAMESPACES
            and etree.QName(node).localname == name)


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if _dmn(c, name)]


def _text(node: etree._Element | None) -> str:
    """The stripped text of a node's `text` child."""
    if node is None:
        return ""
    found = _children(node, "text")
    return (found[0].text or "").strip() if found else ""


def _read(source: str, path: str) -> _Reading:
    reading = _Reading()
    try:
        root = parse_xml_safely(source.encode(), path)
    except UnsafeXml as exc:
        reading.problems.append((None, str(exc).split(": ", 1)[-1]))
        return reading
    if not _dmn(root, "definitions"):
        reading.problems.append((None, f"not a DMN file: its root is <{etree.QName(root).localname}>, "
                                       "not the <definitions> of DMN 1.1, 1.2 or 1.3"))
        return reading
    namespace = etree.QName(root).namespace
    if root.nsmap.get(None) != namespace and root.nsmap.get("dmn") != namespace:
        reading.problems.append((None, "declare the DMN namespace as the default one (xmlns=\"…\") "
                                       "or with the prefix dmn: SpiffWorkflow reads no other"))
        return reading
    decisions = _children(root, "decision")
    if len(decisions) != 1:
        reading.problems.append((None, f"a DMN file here holds exactly one decision (this one has "
                                       f"{len(decisions)}): put each decision in a file of its own"))
        return reading
    decision = decisions[0]
    decision_id = decision.get("id") or ""
    tables = _children(decision, "decisionTable")
    if not decision_id:
        reading.problems.append((None, "the decision has no id"))
    if len(tables) != 1:
        reading.problems.append((decision_id or None, "only decision tables are supported: the "
                                 "decision needs exactly one <decisionTable> (literal expressions, "
                                 "invocations and contexts are not run by SpiffWorkflow)"))
    if reading.problems:
        return reading
    table = tables[0]
    hit_policy = (table.get("hitPolicy") or "UNIQUE").upper()
    aggregation = (table.get("aggregation") or "").upper()
    inputs = tuple(Column(node.get("id") or "", node.get("label") or node.get("id") or "",
                          _text(next(iter(_children(node, "inputExpression")), None)))
                   for node in _children(table, "input"))
    outputs = tuple(Column(node.get("id") or "", node.get("label") or node.get("name") or "",
                           node.get("name") or node.get("label") or "")
                    for node in _children(table, "output"))
    rules = tuple(
        Row(node.get("id") or "", number,
            " ".join(w for d in _children(node, "description") for w in (d.text or "").split()),
            tuple(_text(entry) for entry in _children(node, "inputEntry")),
            tuple(_text(entry) for entry in _children(node, "outputEntry")))
        for number, node in enumerate(_children(table, "rule"), start=1))
    reading.table = DecisionTable(path, decision_id, decision.get("name") or decision_id,
                                  hit_policy, aggregation, inputs, outputs, rules)
    return reading


# -- deploy checks --------------------------------------------------------------------

def decision_problems(bpmn: etree._Element, bpmn_file: str,
                      files: dict[str, str]) -> list[BundleProblem]:
    """Every problem of the bundle's decisions and of the business rule tasks calling
    them, all at once."""
    problems: list[BundleProblem] = []
    defined: dict[str, str] = {}  # decision id → its file
    unread: list[str] = []
    for path in decision_files(files):
        reading = _read(files[path], path)
        problems.extend(BundleProblem(path, reason, element) for element, reason in reading.problems)
        table = reading.table
        if table is None:
            unread.append(path)
            continue
        if table.id in defined:
            problems.append(BundleProblem(path, f"decision id {table.id!r} is also defined in "
                                                f"{defined[table.id]}", table.id))
            continue
        defined[table.id] = path
        found = _table_problems(table)
        if not found:
            found = _entry_problems(table, files[path])
        problems.extend(BundleProblem(path, reason, element) for element, reason in found)
    for task in bpmn.iter(f"{{{BPMN}}}businessRuleTask"):
        problems.extend(BundleProblem(bpmn_file, reason, task.get("id"))
                        for reason in _called_decision_problems(task, defined, unread))
    return problems


def _called_decision_problems(task: etree._Element, defined: dict[str, str],
                              unread: list[str]) -> list[str]:
    called = task.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId")
    if called is None or not (called.text or "").strip():
        camunda = next((v for k, v in task.attrib.items() if str(k).endswith("decisionRef")), None)
        return ["business rule task names no decision: add <spiffworkflow:calledDecisionId> "
                "with the id of a decision in decisions/*.dmn"
                + (f" (write {camunda!r} there instead of camunda:decisionRef)" if camunda else "")]
    name = called.text or ""
    if name in defined:
        return []
    if name.strip() in defined:
        return [f"decision {name.strip()!r} is named with blanks around it: remove them"]
    known = ", ".join(repr(d) for d in sorted(defined))
    besides = [f"decisions: {known}"] if known else []
    besides += [f"{path} cannot be read" for path in unread]
    return [f"business rule task calls decision {name.strip()!r}, which no file under decisions/ "
            "defines" + (f" ({'; '.join(besides)})" if besides else
                         " (the bundle has no decisions/*.dmn)")]


def _table_problems(table: DecisionTable) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    where = table.id
    if table.hit_policy not in HIT_POLICIES:
        problems.append((where, f"hit policy {table.hit_policy} is not supported: SpiffWorkflow "
                                "runs UNIQUE, FIRST (the first rule that matches) and COLLECT"))
    if table.aggregation:
        problems.append((where, f"COLLECT with aggregation {table.aggregation} is not supported: "
                                "SpiffWorkflow collects each output into a list; sum or count it "
                                "in a script task"))
    if not table.inputs or not table.outputs:
        problems.append((where, "a decision table needs at least one input and one output"))
    for column in table.inputs:
        if not column.text:
            problems.append((column.id or where, f"input {column.label!r} has no expression: write "
                             "the Python expression the column tests (e.g. channel or "
                             "application[\"case\"])"))
            continue
        for reason in check_source(f"({column.text})", "eval"):
            problems.append((column.id or where, f"input {column.label!r}: {reason}"))
    for column in table.outputs:
        if not OUTPUT_NAME.fullmatch(column.text):
            problems.append((column.id or where, f"output {column.label or column.id!r} needs a "
                             "name that can be a variable (letters, digits and _, starting with "
                             "a letter; e.g. fee)"))
    for rule in table.rules:
        if len(rule.inputs) != len(table.inputs) or len(rule.outputs) != len(table.outputs):
            problems.append((rule.id or where, f"rule {rule.number} has {len(rule.inputs)} input "
                             f"and {len(rule.outputs)} output entries, but the table has "
                             f"{_count(table.inputs, 'input')} and "
                             f"{_count(table.outputs, 'output')}"))
    if not table.rules:
        problems.append((where, "the decision table has no rules"))
    return problems


def _count(items: tuple[Column, ...], word: str) -> str:
    return f"{len(items)} {word}{'' if len(items) == 1 else 's'}"


class _Recorder:
    """Stands in for the workflow's script engine while SpiffWorkflow builds the
    expressions of a rule: keeps each one instead of evaluating it."""

    def __init__(self) -> None:
        self.expressions: list[str] = []

    def validate(self, text: str) -> None:
        ast.parse(text)  # what SpiffWorkflow's PythonScriptEngine.validate does

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> bool:
        self.expressions.append(expression)
        return True


def _entry_problems(table: DecisionTable, source: str) -> list[tuple[str | None, str]]:
    """What SpiffWorkflow would evaluate for each cell, checked by the sandbox; FEEL gets
    advice instead. Read through SpiffWorkflow's own DMN parser, as it will run."""
    try:
        decision = read_decision(source.encode(), table.file)
        spiff_table = decision.decisionTables[0]
    except Exception as exc:  # SpiffWorkflow's parser raises plain errors for some tables
        return [(table.id, f"SpiffWorkflow cannot read the decision table: "
                           f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")]
    problems: list[tuple[str | None, str]] = []
    for rule, row in zip(spiff_table.rules, table.rules, strict=True):
        for column, entry in zip(table.inputs, rule.inputEntries, strict=True):
            lhs = entry.lhs[0]
            if lhs is None:
                continue
            where = f"rule {row.number}, input {column.label!r}"
            reason = (_feel_test(lhs) or _test_problem(entry.input.expression, lhs)
                      or _feel_names(lhs))
            if reason:
                problems.append((row.id, f"{where}: {reason}"))
        for column, out in zip(table.outputs, rule.outputEntries, strict=True):
            text = (out.text or "").strip()
            if not text:
                continue
            where = f"rule {row.number}, output {column.label!r}"
            reason = "; ".join(check_source(text, "eval")) or _feel_names(text)
            if reason:
                problems.append((row.id, f"{where}: {reason}"))
    if table.hit_policy == "UNIQUE":
        problems.extend(_overlaps(table))
    return problems


def _test_problem(input_expression: str, lhs: str) -> str:
    recorder = _Recorder()
    task = SimpleNamespace(workflow=SimpleNamespace(script_engine=recorder), data={})
    try:
        DMNEngine(None).evaluate(input_expression, lhs, task)
    except SyntaxError:
        return (f"`{lhs}` is not a test SpiffWorkflow can read: write a value (\"online\", 5), a "
                "comparison (< 100, != \"a\"), a list (in (\"a\", \"b\")), a range with ? "
                "(1 <= ? < 10) or - for any")
    reasons = [r for expression in recorder.expressions for r in check_source(expression, "eval")]
    return f"`{lhs}`: " + "; ".join(reasons) if reasons else ""


def _feel_test(text: str) -> str:
    """What to write instead of a test in FEEL's syntax ("" when it is not)."""
    if match := FEEL_RANGE.fullmatch(text):
        low = "<=" if match.group(1) == "[" else "<"
        high = "<=" if match.group(4) == "]" else "<"
        return f"{FEEL}`{match.group(2)} {low} ? {high} {match.group(3)}` instead of `{text}`"
    if text.startswith("not(") and text.endswith(")"):
        inner = text[4:-1].strip()
        written = f"not in ({inner})" if _is_tuple(inner) else f"!= {inner}"
        return f"{FEEL}`{written}` instead of `{text}`"
    if _is_tuple(text):
        return f"{FEEL}`in ({text})` instead of `{text}` (a list of values)"
    if text.startswith("=") and not text.startswith("=="):
        return f"{FEEL}`{text[1:].strip()}` instead of `{text}`"
    return ""


def _feel_names(text: str) -> str:
    """What to write instead of FEEL's true, false and null and its functions, which
    the sandbox lets through as names and would fail only when the cell is evaluated."""
    bare = QUOTED.sub('""', text)
    for word, python in FEEL_WORDS.items():
        if re.search(rf"(?<![\w.]){word}(?!\w)", bare):
            return f"{FEEL}`{python}` instead of `{word}`"
    builtins = Budget().builtins()
    for name in re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", bare):
        if not keyword.iskeyword(name) and name not in builtins:
            return (f"function {name!r} is not available: cells are Python expressions over the "
                    "dossier's data (FEEL's functions are not)")
    return ""


def _is_tuple(text: str) -> bool:
    try:
        return isinstance(ast.parse(text, mode="eval").body, ast.Tuple)
    except SyntaxError:
        return False


class _Unknown:
    """A test whose values cannot be listed (a comparison, an expression)."""


UNKNOWN = _Unknown()


def _values(text: str) -> frozenset[Any] | _Unknown | None:
    """The values a test matches when they are plain: None for any, the set of values,
    or UNKNOWN when the test is not a plain value or list of values."""
    if not text or text == "-":
        return None
    listed = text[3:] if text.startswith("in ") else None
    try:
        value = ast.literal_eval(listed if listed is not None else text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return UNKNOWN
    if listed is not None:
        items = value if isinstance(value, tuple | list) else (value,)
    elif isinstance(value, tuple | list | dict | set):
        return UNKNOWN
    else:
        items = (value,)
    try:
        return frozenset(items)
    except TypeError:
        return UNKNOWN


def _overlaps(table: DecisionTable) -> list[tuple[str | None, str]]:
    """Pairs of rules of a UNIQUE table that both match some input, where that can be
    told from plain values (SpiffWorkflow would quietly take the first)."""
    problems: list[tuple[str | None, str]] = []
    cells = [[_values(text) for text in rule.inputs] for rule in table.rules]
    for (i, first), (j, second) in combinations(enumerate(table.rules), 2):
        example: list[str] = []
        for column, a, b in zip(table.inputs, cells[i], cells[j], strict=True):
            if isinstance(a, _Unknown) or isinstance(b, _Unknown):
                break
            if a is not None and b is not None:
                common = a & b
                if not common:
                    break
                example.append(f"{column.label}: {sorted(common, key=repr)[0]!r}")
        else:
            when = f" (e.g. {', '.join(example)})" if example else ""
            problems.append((second.id, f"rules {first.number} and {second.number} both match the "
                             f"same input{when}, but the hit policy is UNIQUE: make them exclusive, "
                             "or use FIRST if the first rule should win"))
    return problems
