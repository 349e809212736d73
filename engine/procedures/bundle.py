"""Procedure bundles on disk: loading, content hash, validation."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from ..bpmn.parser import UnsafeXml, parse_spec, parse_xml_safely
from ..bpmn.sandbox import check_source
from ..contacts import FORMAT_CHECKER
from ..errors import BundleInvalid, BundleProblem
from ..status import BPMN_STATUSES, END_STATUSES
from .bpmn_checks import expression_advice, message_starts, structure_problems
from .bundle_templates import bundle_environment
from .decisions import decision_files, decision_problems
from .numbering import numbering_problems

BPMN_FILE = "procedure.bpmn"
TOML_FILE = "procedure.toml"
ROLES = ("reception", "specialist", "leader", "citizen")
# the BPMN tasks a person does, and how a refusal names them
HUMAN_TASKS = {"userTask": "user task", "manualTask": "manual task", "task": "task"}
CHANNELS = ("online", "counter", "postal")
# settings key (derived from the diagram): the names of the messages that start a dossier
MESSAGE_STARTS = "message_starts"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
MAX_FILE_BYTES = 2_000_000
# written at deploy: the exact version of each shared sub-procedure the version calls
LOCK_FILE = "subprocedures.lock.json"
DATA_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
KIND_KEY = re.compile(r"[a-z][a-z0-9_]{1,63}")


@dataclass(frozen=True)
class Bundle:
    code: str
    files: dict[str, str]

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0")
            digest.update(hashlib.sha256(self.files[path].encode()).digest())
        return digest.hexdigest()


@dataclass(frozen=True)
class TaskInfo:
    """What the engine needs to know about one BPMN element."""

    element_id: str
    name: str
    kind: str  # user | service | end | other
    lane: str | None = None
    role: str | None = None
    department: str | None = None
    form: str | None = None
    allowance_days: int | None = None
    dossier_status: str | None = None
    operator: str | None = None
    # user tasks whose officer signs the result when choosing this decision ("approve")
    signs_result_on: str | None = None
    # message catch elements: the data path a sender may correlate on besides the code
    correlation_key: str | None = None
    # human tasks of a lane routed by the dossier's data: the path holding the department
    department_from: str | None = None


@dataclass
class Procedure:
    """A validated bundle, parsed and ready to run."""

    code: str
    settings: dict[str, Any]
    spec: Any
    forms: dict[str, dict[str, Any]]
    tasks: dict[str, TaskInfo]
    files: dict[str, str] = field(repr=False)
    # the specs of the subprocesses and called processes, by process or subprocess id
    subprocess_specs: dict[str, Any] = field(default_factory=dict, repr=False)

    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    def form_validator(self, name: str) -> Draft202012Validator:
        """The form's validator, built once (procedures are immutable)."""
        validator = self._validators.get(name)
        if validator is None:
            validator = self._validators[name] = Draft202012Validator(
                self.forms[name], format_checker=FORMAT_CHECKER)
        return validator


def load_bundle(path: Path) -> Bundle:
    """Read the files of a bundle folder; the folder name is the procedure code."""
    path = Path(path)
    files: dict[str, str] = {}
    for rel in [BPMN_FILE, TOML_FILE]:
        if (path / rel).is_file():
            files[rel] = _read(path / rel)
    for sub, pattern in (("forms", "*.json"), ("templates", "*.html"), ("decisions", "*.dmn")):
        for file in sorted((path / sub).glob(pattern)):
            files[f"{sub}/{file.name}"] = _read(file)
    return Bundle(code=path.name, files=files)


def _read(file: Path) -> str:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise BundleInvalid(file.parent.name, [BundleProblem(file.name, "file larger than 2 MB")])
    return file.read_text(encoding="utf-8")


def called_elsewhere(bundle: Bundle) -> list[str]:
    """The processes the bundle's call activities call that its file does not hold:
    shared sub-procedures, by their procedure code."""
    try:
        root = parse_xml_safely(bundle.files.get(BPMN_FILE, "").encode(), BPMN_FILE)
    except UnsafeXml:
        return []
    here = {p.get("id") for p in root.iterfind("bpmn:process", NS)}
    called = {str(n.get("calledElement")) for n in root.iterfind(".//bpmn:callActivity", NS)
              if n.get("calledElement")}
    return sorted(called - here)


def validate(bundle: Bundle, operators: Collection[str] | None,
             shared: Mapping[str, Procedure] | None = None) -> Procedure:
    """Parse and check a bundle; raise BundleInvalid listing every problem found.
    `operators` are the registered handlers; None skips that check (a stored
    version is loaded again to run, whatever is registered now). `shared` are the
    shared sub-procedures its call activities call, by code, at their pinned versions
    (LOCK_FILE)."""
    shared = shared or {}
    problems: list[BundleProblem] = []
    settings = _check_settings(bundle, problems)
    forms = _check_forms(bundle, problems)
    if BPMN_FILE not in bundle.files:
        problems.append(BundleProblem(BPMN_FILE, "missing"))
        raise BundleInvalid(bundle.code, problems)
    try:
        root = parse_xml_safely(bundle.files[BPMN_FILE].encode(), BPMN_FILE)
    except UnsafeXml as exc:
        problems.append(BundleProblem(BPMN_FILE, str(exc).split(": ", 1)[-1]))
        raise BundleInvalid(bundle.code, problems) from None
    problems.extend(structure_problems(root, BPMN_FILE, known_processes=frozenset(shared),
                                       main_process=bundle.code))
    # derived, not read from procedure.toml: which messages start a dossier
    settings[MESSAGE_STARTS] = message_starts(root, bundle.code)
    tasks = _check_elements(root, settings, forms, operators, problems)
    _take_shared(shared, settings, tasks, forms, problems)
    _check_scripts(root, problems)
    problems.extend(decision_problems(root, BPMN_FILE, bundle.files))
    _check_templates(bundle, settings, problems)
    spec: Any = None
    subprocess_specs: dict[str, Any] = {}
    if not problems:
        try:
            spec, subprocess_specs = parse_spec(
                bundle.files[BPMN_FILE].encode(), BPMN_FILE, bundle.code,
                {path: files[path].encode() for files in (bundle.files, *(
                    p.files for p in shared.values())) for path in decision_files(files)},
                {f"{code}/{BPMN_FILE}": p.files[BPMN_FILE].encode() for code, p in shared.items()})
        except ValidationException as exc:
            problems.append(BundleProblem(BPMN_FILE, str(exc).splitlines()[0], exc.id or None))
        except Exception as exc:  # SpiffWorkflow raises plain errors for some structures
            problems.append(BundleProblem(BPMN_FILE, f"cannot build the process: {exc}"))
    if problems:
        raise BundleInvalid(bundle.code, problems)
    return Procedure(bundle.code, settings, spec, forms, tasks, dict(bundle.files),
                     subprocess_specs=subprocess_specs)


def _take_shared(shared: Mapping[str, Procedure], settings: dict[str, Any],
                 tasks: dict[str, TaskInfo], forms: dict[str, dict[str, Any]],
                 problems: list[BundleProblem]) -> None:
    """The steps and forms of the shared sub-procedures, as the caller runs them: their
    forms under `<code>/`, and their tasks in the caller's department unless their own
    lane names one."""
    default_department = settings.get("department") or settings.get("agency") or ""
    for code, sub in shared.items():
        if called_elsewhere(Bundle(code, sub.files)):
            problems.append(BundleProblem(BPMN_FILE, f"the shared sub-procedure {code!r} "
                                          "calls another one; only one level is supported",
                                          code))
        for name, schema in sub.forms.items():
            forms[f"{code}/{name}"] = schema
        lanes = sub.settings.get("lanes", {})
        for element_id, info in sub.tasks.items():
            if element_id in tasks:
                problems.append(BundleProblem(BPMN_FILE, f"element id also used by the shared "
                                              f"sub-procedure {code!r}", element_id))
                continue
            own = lanes.get(info.lane, {}) if info.lane else {}
            tasks[element_id] = replace(
                info, form=f"{code}/{info.form}" if info.form else None,
                department=info.department if "department" in own or info.department_from
                else default_department)


def _check_settings(bundle: Bundle, problems: list[BundleProblem]) -> dict[str, Any]:
    if TOML_FILE not in bundle.files:
        problems.append(BundleProblem(TOML_FILE, "missing"))
        return {}
    try:
        settings = tomllib.loads(bundle.files[TOML_FILE])
    except tomllib.TOMLDecodeError as exc:
        problems.append(BundleProblem(TOML_FILE, f"not valid TOML: {exc}"))
        return {}
    if settings.get("code") != bundle.code:
        problems.append(BundleProblem(TOML_FILE, f"code must be {bundle.code!r} (the folder name)"))
    for key in ("name_vi", "name_en", "agency", "start_form"):
        if not isinstance(settings.get(key), str) or not settings[key].strip():
            problems.append(BundleProblem(TOML_FILE, f"'{key}' is required"))
    days = settings.get("legal_deadline_working_days")
    if not isinstance(days, int) or days < 0:
        problems.append(
            BundleProblem(TOML_FILE, "'legal_deadline_working_days' must be a whole number ≥ 0")
        )
    fees = settings.get("fees", {})
    for channel in CHANNELS:
        if not isinstance(fees.get(channel), int) or fees[channel] < 0:
            problems.append(BundleProblem(TOML_FILE, f"fees.{channel} must be a whole number ≥ 0"))
    per_unit = fees.get("per_unit")
    if per_unit is not None and (
        not isinstance(per_unit, dict)
        or not isinstance(per_unit.get("field"), str)
        or not isinstance(per_unit.get("amount"), int)
    ):
        problems.append(BundleProblem(TOML_FILE, "fees.per_unit needs 'field' and whole 'amount'"))
    if "numbering" in settings:
        problems.extend(BundleProblem(TOML_FILE, text) for text in numbering_problems(settings["numbering"]))
    problems.extend(BundleProblem(TOML_FILE, text) for text in _kind_problems(settings))
    lanes = settings.get("lanes")
    if not isinstance(lanes, dict) or not lanes:
        problems.append(BundleProblem(TOML_FILE, "[lanes] must map each lane id to a role"))
        settings["lanes"] = {}
    else:
        for lane_id, lane in lanes.items():
            role = lane.get("role") if isinstance(lane, dict) else None
            if role not in ROLES:
                problems.append(BundleProblem(
                    TOML_FILE, f"lane maps to unknown role {role!r} (roles: {', '.join(ROLES)})",
                    lane_id,
                ))
            source = lane.get("department_from") if isinstance(lane, dict) else None
            if source is not None and (not isinstance(source, str) or not DATA_PATH.match(source)
                                       or "department" in lane):
                problems.append(BundleProblem(
                    TOML_FILE, "department_from names the dossier data that holds the "
                    "department (a dotted path such as 'department' or 'routing.department'), "
                    "instead of a fixed department", lane_id))
    return settings


def _kind_problems(settings: dict[str, Any]) -> list[str]:
    """Document kind keys (`result_kind`, `kind` of a document) say which stored document
    fits where: lower-case ASCII words joined by '_', such as 'giay_khai_sinh'."""
    found = [("result_kind", settings.get("result_kind"))]
    found += [(f"documents[{i}].kind", d.get("kind"))
              for i, d in enumerate(settings.get("documents", [])) if isinstance(d, dict)]
    return [f"{where} must be a document kind key such as 'giay_khai_sinh' (a-z, 0-9 and _)"
            for where, value in found
            if value is not None and not (isinstance(value, str) and KIND_KEY.fullmatch(value))]


def _check_forms(bundle: Bundle, problems: list[BundleProblem]) -> dict[str, dict[str, Any]]:
    forms: dict[str, dict[str, Any]] = {}
    for path, text in bundle.files.items():
        if not path.startswith("forms/"):
            continue
        try:
            schema = json.loads(text)
            Draft202012Validator.check_schema(schema)
        except json.JSONDecodeError as exc:
            problems.append(BundleProblem(path, f"not valid JSON: {exc}"))
            continue
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            problems.append(BundleProblem(path, f"not a valid JSON Schema at {where}: {exc.message}"))
            continue
        if schema.get("type") != "object":
            problems.append(BundleProblem(path, "a form schema must have type 'object'"))
            continue
        forms[path.removeprefix("forms/")] = schema
    return forms


def _lane_of_nodes(root: etree._Element) -> dict[str, str]:
    """Each flow node's lane. A node in no lane of its own takes the lane of the
    subprocess it is in, and a node of a called process the lane of the call activity
    that calls it (the caller's lane), innermost first."""
    lanes: dict[str, str] = {
        ref.text.strip(): str(lane.get("id"))
        for lane in root.iterfind(".//bpmn:lane", NS)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS)
        if ref.text
    }
    callers = {node.get("calledElement"): node
               for node in root.iterfind(".//bpmn:callActivity", NS)}
    resolved: dict[str, str] = {}

    def lane_of(node: etree._Element, seen: frozenset[str]) -> str | None:
        element_id = node.get("id")
        if element_id in lanes:
            return lanes[element_id]
        parent = node.getparent()
        if parent is None or element_id in seen:
            return None
        if etree.QName(parent).localname == "process":
            caller = callers.get(parent.get("id"))
            return lane_of(caller, seen | {element_id}) if caller is not None else None
        return lane_of(parent, seen | {element_id})

    for process in root.iterfind("bpmn:process", NS):
        for node in process.iter():
            if isinstance(node.tag, str) and node.get("id") and etree.QName(node).namespace == NS["bpmn"]:
                lane = lane_of(node, frozenset())
                if lane is not None:
                    resolved[node.get("id")] = lane
    return resolved


def _properties(node: etree._Element) -> dict[str, str]:
    return {
        p.get("name"): p.get("value", "")
        for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


def _check_elements(
    root: etree._Element,
    settings: dict[str, Any],
    forms: dict[str, dict[str, Any]],
    operators: Collection[str] | None,
    problems: list[BundleProblem],
) -> dict[str, TaskInfo]:
    lanes = settings.get("lanes", {})
    default_department = settings.get("department") or settings.get("agency") or ""
    for lane in root.iterfind(".//bpmn:lane", NS):
        if lane.get("id") not in lanes:
            problems.append(BundleProblem(BPMN_FILE, "lane maps to no role in procedure.toml [lanes]", lane.get("id")))
    start_form = settings.get("start_form")
    if start_form and start_form not in forms:
        problems.append(BundleProblem(TOML_FILE, f"start_form forms/{start_form} is missing or invalid"))

    lane_of = _lane_of_nodes(root)
    tasks: dict[str, TaskInfo] = {}
    processes = root.findall("bpmn:process", NS)
    for node in (n for p in processes for n in p.iter()):
        if not isinstance(node.tag, str) or node.get("id") is None:
            continue
        tag = etree.QName(node).localname
        element_id = node.get("id")
        props = _properties(node)
        status = props.get("dossierStatus")
        allowed = END_STATUSES if tag == "endEvent" else BPMN_STATUSES
        if status is not None and status not in allowed:
            problems.append(BundleProblem(
                BPMN_FILE, f"dossierStatus {status!r} not allowed here (use {', '.join(allowed)})",
                element_id,
            ))
        lane_id = lane_of.get(element_id)
        lane = lanes.get(lane_id, {}) if lane_id else {}
        info = dict(element_id=element_id, name=node.get("name") or element_id,
                    lane=lane_id, dossier_status=status,
                    correlation_key=props.get("correlationKey"))
        if tag in HUMAN_TASKS:
            # a manual or plain task confirms that something was done: no form unless given
            form = props.get("formJsonSchemaFilename")
            if not form and tag == "userTask":
                problems.append(BundleProblem(BPMN_FILE, "user task names no form (formJsonSchemaFilename)", element_id))
            elif form and form not in forms:
                problems.append(BundleProblem(f"forms/{form}", "form is missing or not a valid JSON Schema", element_id))
            if lane_id is None:
                problems.append(BundleProblem(
                    BPMN_FILE, f"{HUMAN_TASKS[tag]} is in no lane (put it in the lane of the "
                    "role that does it)", element_id))
            allowance = props.get("allowanceWorkingDays")
            if allowance is not None and not allowance.isdigit():
                problems.append(BundleProblem(BPMN_FILE, "allowanceWorkingDays must be a whole number", element_id))
            tasks[element_id] = TaskInfo(
                kind="user", role=lane.get("role"),
                department=lane.get("department", default_department), form=form or None,
                department_from=lane.get("department_from"),
                allowance_days=int(allowance) if allowance and allowance.isdigit() else None,
                signs_result_on=props.get("signsResultOn"),
                **info,
            )
        elif tag == "serviceTask":
            op = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            if op is None or not op.get("id"):
                problems.append(BundleProblem(BPMN_FILE, "service task names no operator", element_id))
                continue
            if operators is not None and op.get("id") not in operators:
                problems.append(BundleProblem(
                    BPMN_FILE, f"operator {op.get('id')!r} has no registered handler", element_id
                ))
            tasks[element_id] = TaskInfo(kind="service", operator=op.get("id"), **info)
        elif tag == "endEvent":
            tasks[element_id] = TaskInfo(kind="end", **info)
        elif tag in ("scriptTask", "boundaryEvent", "receiveTask", "eventBasedGateway",
                     "intermediateCatchEvent", "startEvent", "businessRuleTask"):
            tasks[element_id] = TaskInfo(kind="other", **info)
    return tasks


# Elements whose text SpiffWorkflow evaluates (eval) or runs (exec): all go through the sandbox.
EXPRESSION_TAGS = frozenset({"conditionExpression", "condition", "timeDuration", "timeDate",
                             "timeCycle", "loopCardinality", "completionCondition",
                             "loopCondition", "formalExpression", "messagePayload"})
SCRIPT_TAGS = frozenset({"script", "preScript", "postScript"})


def _check_scripts(root: etree._Element, problems: list[BundleProblem]) -> None:
    def owner(node: etree._Element) -> str | None:
        """The BPMN element the text belongs to (not an extension's own id)."""
        while node is not None and (node.get("id") is None
                                    or etree.QName(node).namespace != NS["bpmn"]):
            node = node.getparent()
        return node.get("id") if node is not None else None

    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        if tag == "parameter" and etree.QName(node).namespace == NS["spiffworkflow"]:
            for reason in check_source(node.get("value", ""), "eval"):
                problems.append(BundleProblem(
                    BPMN_FILE, f"parameter {node.get('id')}: {reason}", owner(node)))
        elif tag in EXPRESSION_TAGS or tag in SCRIPT_TAGS:
            if expression_advice(node) is not None:
                continue  # structure_problems explains it (JUEL, FEEL, an unquoted timer)
            mode = "eval" if tag in EXPRESSION_TAGS else "exec"
            for reason in check_source((node.text or "").strip(), mode):
                problems.append(BundleProblem(BPMN_FILE, reason, owner(node)))


def _check_templates(bundle: Bundle, settings: dict[str, Any], problems: list[BundleProblem]) -> None:
    env = bundle_environment()
    for path, text in bundle.files.items():
        if path.startswith("templates/"):
            try:
                env.parse(text)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(BundleProblem(path, f"template error at line {exc.lineno}: {exc.message}"))
    result = settings.get("result_template")
    if result and f"templates/{result}" not in bundle.files:
        problems.append(BundleProblem(TOML_FILE, f"result_template templates/{result} is missing"))
