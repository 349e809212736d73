"""What changed between two versions of a procedure, in the analyst's terms: settings
(deadline, fees, documents, numbering), BPMN elements and flows, form fields, the rules
of decision tables, and the text of result templates. Works on the stored files alone, so any two versions, old or
new, can be compared."""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from ..bpmn.parser import parse_xml_safely
from .bundle import BPMN_FILE, NS, TOML_FILE
from .decisions import FOLDER as DECISIONS_FOLDER
from .decisions import DecisionTable, read_table

SPIFF = NS["spiffworkflow"]
# flow nodes an analyst draws; lanes, data and diagram shapes are not compared as elements
NODE_TAGS = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "userTask", "serviceTask", "scriptTask", "manualTask", "task",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "callActivity", "subProcess", "businessRuleTask",
})
FIELD_KEYS = ("type", "title", "format", "enum", "const", "pattern", "minLength", "maxLength",
              "minimum", "maximum", "x-widget")


@dataclass(frozen=True)
class Change:
    item: str  # a settings key, an element id, a form field path
    kind: str  # added | removed | changed
    before: str | None = None
    after: str | None = None
    label: str = ""  # the element's name or the field's title, when it has one


@dataclass
class VersionDiff:
    settings: list[Change] = field(default_factory=list)
    elements: list[Change] = field(default_factory=list)
    flows: list[Change] = field(default_factory=list)
    forms: dict[str, list[Change]] = field(default_factory=dict)  # form file → its changes
    templates: dict[str, list[str]] = field(default_factory=dict)  # template → unified diff
    # decision file → its changed rules (and hit policy, name, rule order), or, when its
    # columns changed or it cannot be read, the unified diff of the file
    decisions: dict[str, list[Change]] = field(default_factory=dict)
    decision_texts: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.settings or self.elements or self.flows or self.forms or self.templates
                    or self.decisions or self.decision_texts)

    def marks(self) -> dict[str, str]:
        """element id → added | removed | changed, for drawing the diagram."""
        return {c.item: c.kind for c in (*self.elements, *self.flows)}


def compare(before: dict[str, str], after: dict[str, str]) -> VersionDiff:
    """Compare the files of two versions of one procedure."""
    diff = VersionDiff()
    diff.settings = _compare_maps(_settings(before), _settings(after))
    old_nodes, old_flows = _bpmn(before)
    new_nodes, new_flows = _bpmn(after)
    diff.elements = _compare_described(old_nodes, new_nodes)
    diff.flows = _compare_described(old_flows, new_flows)
    for path in sorted(p for p in {*before, *after} if p.startswith("forms/")):
        changes = _compare_described(_fields(before.get(path)), _fields(after.get(path)))
        if path not in before or path not in after:
            changes = [Change(path, "added" if path in after else "removed")]
        if changes:
            diff.forms[path] = changes
    for path in sorted(p for p in {*before, *after} if p.startswith("templates/")):
        lines = _text_diff(before, after, path)
        if lines:
            diff.templates[path] = lines
    for path in sorted(p for p in {*before, *after} if p.startswith(DECISIONS_FOLDER)):
        if before.get(path) == after.get(path):
            continue
        if path not in before or path not in after:
            table = read_table(after if path in after else before, path)
            diff.decisions[path] = [Change(path, "added" if path in after else "removed",
                                           label=table.name if table else "")]
            continue
        rules = _compare_decisions(read_table(before, path), read_table(after, path))
        if rules:
            diff.decisions[path] = rules
        else:  # columns changed, unreadable, or a change the rules do not show
            diff.decision_texts[path] = _text_diff(before, after, path)
    return diff


def _text_diff(before: dict[str, str], after: dict[str, str], path: str) -> list[str]:
    return list(difflib.unified_diff(
        (before.get(path) or "").splitlines(), (after.get(path) or "").splitlines(),
        fromfile=f"a/{path}", tofile=f"b/{path}", lineterm="", n=2))


def _compare_decisions(before: DecisionTable | None,
                       after: DecisionTable | None) -> list[Change] | None:
    """The changed rules of a decision table whose inputs and outputs stayed the same
    (rows by rule id, cells by column label), with its name, hit policy and rule order;
    None when the columns changed or a version cannot be read."""
    if before is None or after is None or (before.inputs, before.outputs) != (
            after.inputs, after.outputs):
        return None
    changes = _compare_maps(
        {"name": before.name, "id": before.id, "hitPolicy": before.hit_policy,
         "aggregation": before.aggregation},
        {"name": after.name, "id": after.id, "hitPolicy": after.hit_policy,
         "aggregation": after.aggregation})
    old_order = [r.id for r in before.rules]
    new_order = [r.id for r in after.rules]
    kept = set(old_order) & set(new_order)
    if [i for i in old_order if i in kept] != [i for i in new_order if i in kept]:
        changes.append(Change("rule order", "changed", ", ".join(old_order),
                              ", ".join(new_order)))
    # a row is labelled with its number in the newer version (in the older when removed)
    numbers = {r.id: f"#{r.number}" for table in (before, after) for r in table.rules}
    return changes + [replace(c, label=numbers[c.item])
                      for c in _compare_described(_rules(before), _rules(after))]


def _rules(table: DecisionTable) -> dict[str, dict[str, str]]:
    """Each rule by id: its cells by column, and its description."""
    rules: dict[str, dict[str, str]] = {}
    for rule in table.rules:
        cells = {f"{c.label} ({c.text})": v or "-"
                 for c, v in zip(table.inputs, rule.inputs, strict=False)}
        cells.update({f"→ {c.label} ({c.text})": v
                      for c, v in zip(table.outputs, rule.outputs, strict=False)})
        cells["note"] = rule.description
        rules[rule.id] = cells
    return rules


def _settings(files: dict[str, str]) -> dict[str, str]:
    try:
        data = tomllib.loads(files.get(TOML_FILE, ""))
    except tomllib.TOMLDecodeError:
        return {}
    flat: dict[str, str] = {}
    _flatten(data, "", flat)
    return flat


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(
            isinstance(v, dict) and "code" in v for v in value):
        for item in value:  # e.g. [[documents]]: one entry per document code
            _flatten({k: v for k, v in item.items() if k != "code"},
                     f"{prefix}[{item['code']}]", out)
    else:
        out[prefix] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _compare_maps(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    changes = []
    for key in sorted({*before, *after}):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        changes.append(Change(key, kind, old, new))
    return changes


def _bpmn(files: dict[str, str]) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Each flow node and each sequence flow of the process, described by what matters."""
    text = files.get(BPMN_FILE)
    if not text:
        return {}, {}
    try:
        root = parse_xml_safely(text.encode(), BPMN_FILE)
    except Exception:  # a stored version was valid; an unreadable one compares empty
        return {}, {}
    lane_of = {ref.text.strip(): lane.get("name") or lane.get("id")
               for lane in root.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    nodes: dict[str, dict[str, str]] = {}
    flows: dict[str, dict[str, str]] = {}
    for process in root.findall("bpmn:process", NS):
        for node in process.iter():
            if not isinstance(node.tag, str) or node.get("id") is None:
                continue
            tag = etree.QName(node).localname
            if tag == "sequenceFlow":
                condition = node.find("bpmn:conditionExpression", NS)
                flows[node.get("id")] = {
                    "name": node.get("name") or "",
                    "from": node.get("sourceRef") or "", "to": node.get("targetRef") or "",
                    "condition": (condition.text or "").strip() if condition is not None else "",
                }
            elif tag in NODE_TAGS:
                nodes[node.get("id")] = _describe_node(node, tag, lane_of.get(node.get("id"), ""))
    return nodes, flows


def _describe_node(node: etree._Element, tag: str, lane: str) -> dict[str, str]:
    described = {"type": tag, "name": node.get("name") or "", "lane": lane}
    if tag == "boundaryEvent":
        described["attached to"] = node.get("attachedToRef") or ""
        described["interrupting"] = node.get("cancelActivity", "true")
    for prop in node.iterfind(f"bpmn:extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property", NS):
        described[prop.get("name") or ""] = prop.get("value", "")
    operator = node.find(f"bpmn:extensionElements/{{{SPIFF}}}serviceTaskOperator", NS)
    if operator is not None:
        described["operator"] = operator.get("id") or ""
        described["result variable"] = operator.get("resultVariable") or ""
        for param in operator.iterfind(f".//{{{SPIFF}}}parameter"):
            described[f"parameter {param.get('id')}"] = param.get("value", "")
    for timer in ("timeDuration", "timeDate", "timeCycle"):
        found = node.find(f".//bpmn:{timer}", NS)
        if found is not None:
            described[timer] = (found.text or "").strip()
    script = node.find("bpmn:script", NS)
    if script is not None:
        described["script"] = (script.text or "").strip()
    decision = node.find(f"bpmn:extensionElements/{{{SPIFF}}}calledDecisionId", NS)
    if decision is not None:
        described["decision"] = (decision.text or "").strip()
    return described


def _fields(text: str | None) -> dict[str, dict[str, str]]:
    """Each field of a form schema (dotted path) with its type, title, limits, and
    whether it is always required."""
    if not text:
        return {}
    try:
        schema = json.loads(text)
    except ValueError:
        return {}
    found: dict[str, dict[str, str]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        required = set(node.get("required") or [])
        for name, prop in (node.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            path = f"{prefix}.{name}" if prefix else name
            described = {k: (prop[k] if isinstance(prop[k], str)
                             else json.dumps(prop[k], ensure_ascii=False))
                         for k in FIELD_KEYS if k in prop}
            described["required"] = "yes" if name in required else "no"
            found[path] = described
            if prop.get("type") == "object":
                walk(prop, path)

    if isinstance(schema, dict):
        walk(schema, "")
    return found


def _compare_described(before: dict[str, dict[str, str]],
                       after: dict[str, dict[str, str]]) -> list[Change]:
    changes = []
    for key in sorted({*before, *after}):
        old, new = before.get(key), after.get(key)
        shown_as = new or old or {}
        label = shown_as.get("name") or shown_as.get("title") or ""
        if old is None or new is None:
            shown = _said(shown_as)
            changes.append(Change(key, "added" if old is None else "removed",
                                  None if old is None else shown,
                                  shown if old is None else None, label))
            continue
        differing = sorted(k for k in {*old, *new} if old.get(k) != new.get(k))
        if differing:
            changes.append(Change(key, "changed",
                                  _said({k: old.get(k, "") for k in differing}),
                                  _said({k: new.get(k, "") for k in differing}), label))
    return changes


def _said(described: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in described.items() if v != "")
