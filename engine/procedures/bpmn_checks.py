"""The structure of a procedure's BPMN, checked before SpiffWorkflow parses it.

SpiffWorkflow's parser stops at the first thing it cannot build, and some mistakes it
does not see at all (a flow whose `sourceRef` names nothing deploys, and a dossier then
ends early). These checks read the XML itself and report every finding at once, each
with the element id and a reason in plain words: references that name nothing,
elements no start event reaches or from which no end event can be reached, elements
SpiffWorkflow (or motcua) cannot run, and expressions written in JUEL or FEEL, or
timer values left unquoted, where Python expressions are expected.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from lxml import etree

from ..errors import BundleProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                    "boundaryEvent", "implicitThrowEvent"})
TASKS = frozenset({"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask",
                   "receiveTask", "businessRuleTask"})
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
ACTIVITIES = TASKS | SUBPROCESSES | {"callActivity"}
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                      "eventBasedGateway", "complexGateway"})
FLOW_NODES = EVENTS | ACTIVITIES | GATEWAYS
# the only flow nodes SpiffWorkflow lets have several outgoing flows
SPLITTERS = frozenset({"startEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
                       "eventBasedGateway", "complexGateway"})
CONDITIONAL_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})

# Definitions an event refers to, by the attribute naming them.
DEFINITION_REFS = {"messageRef": "message", "signalRef": "signal", "errorRef": "error",
                   "escalationRef": "escalation"}

TIMER_TAGS = frozenset({"timeDuration", "timeDate", "timeCycle"})
# Expressions SpiffWorkflow evaluates as Python, and what an analyst calls them.
EXPRESSION_KINDS = {
    "conditionExpression": "conditions", "condition": "conditions",
    "timeDuration": "timer values", "timeDate": "timer values", "timeCycle": "timer values",
    "loopCardinality": "loop counts", "loopCondition": "loop conditions",
    "completionCondition": "completion conditions",
}

KIND_WORDS = {
    "startEvent": "start event", "endEvent": "end event",
    "intermediateCatchEvent": "intermediate event", "intermediateThrowEvent": "intermediate event",
    "boundaryEvent": "boundary event", "implicitThrowEvent": "event", "task": "task",
    "userTask": "user task", "manualTask": "manual task", "serviceTask": "service task",
    "scriptTask": "script task", "sendTask": "send task", "receiveTask": "receive task",
    "businessRuleTask": "business rule task", "callActivity": "call activity",
    "subProcess": "subprocess", "transaction": "transaction", "adHocSubProcess": "ad hoc subprocess",
    "exclusiveGateway": "exclusive gateway", "inclusiveGateway": "inclusive gateway",
    "parallelGateway": "parallel gateway", "eventBasedGateway": "event-based gateway",
    "complexGateway": "complex gateway",
}


def _local(node: etree._Element) -> str:
    """The BPMN tag of a node ('' for comments and other namespaces)."""
    if not isinstance(node.tag, str):
        return ""
    qname = etree.QName(node)
    return qname.localname if qname.namespace == BPMN_NS else ""


def _children(node: etree._Element, *tags: str) -> list[etree._Element]:
    return [c for c in node if _local(c) in tags]


def _definitions_of(node: etree._Element) -> list[etree._Element]:
    """An event's event definitions (timerEventDefinition, ...)."""
    return [c for c in node if _local(c).endswith("EventDefinition")]


def _is_event_subprocess(node: etree._Element) -> bool:
    return _local(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _quote_ids(ids: Iterable[str], limit: int = 8) -> str:
    names = [f"'{i}'" for i in ids]
    return ", ".join(names[:limit]) + (", …" if len(names) > limit else "")


@dataclass
class _Container:
    """A process or a subprocess: its own flow nodes and the flows between them."""

    node: etree._Element
    nodes: dict[str, etree._Element] = field(default_factory=dict)
    flows: list[etree._Element] = field(default_factory=list)

    @property
    def word(self) -> str:
        return "process" if _local(self.node) == "process" else "subprocess"


class _Diagram:
    def __init__(self, root: etree._Element, filename: str) -> None:
        self.root, self.filename = root, filename
        self.problems: list[tuple[int, BundleProblem]] = []
        self.by_id: dict[str, etree._Element] = {}
        for node in root.iter():
            if isinstance(node.tag, str) and node.get("id"):
                self.by_id.setdefault(node.get("id", ""), node)
        self.processes = [n for n in root if _local(n) == "process"]
        self.definitions: dict[str, set[str]] = {
            kind: {n.get("id", "") for n in root if _local(n) == kind}
            for kind in DEFINITION_REFS.values()
        }
        self.containers: dict[str, _Container] = {}
        self.container_of: dict[str, _Container] = {}  # flow node id -> where it is drawn
        for process in self.processes:
            self._index(process)

    def _index(self, node: etree._Element) -> None:
        container = _Container(node)
        self.containers[node.get("id", "")] = container
        for child in node:
            tag = _local(child)
            if tag in FLOW_NODES and child.get("id"):
                container.nodes[child.get("id", "")] = child
                self.container_of[child.get("id", "")] = container
            elif tag == "sequenceFlow":
                container.flows.append(child)
            if tag in SUBPROCESSES:
                self._index(child)

    def add(self, node: etree._Element | None, reason: str, element: str | None = None) -> None:
        line = node.sourceline if node is not None and node.sourceline else 0
        if element is None and node is not None:
            element = node.get("id")
        self.problems.append((line, BundleProblem(self.filename, reason, element)))

    def executable(self, process: etree._Element) -> bool:
        return str(process.get("isExecutable", "true")).strip().lower() != "false"


def structure_problems(root: etree._Element, filename: str,
                       known_processes: Collection[str] = frozenset(),
                       main_process: str | None = None) -> list[BundleProblem]:
    """Every structural problem of a BPMN file, in the order of the file.

    `known_processes` are process ids defined elsewhere (shared sub-procedures) that a
    call activity may call; `main_process` is the id of the process a dossier runs (the
    procedure code), which must be here and executable."""
    diagram = _Diagram(root, filename)
    _check_processes(diagram, main_process)
    _check_message_start(diagram, main_process)
    _check_references(diagram, known_processes)
    _check_unsupported(diagram)
    _check_shapes(diagram)
    _check_paths(diagram)
    for node in root.iter():
        reason = expression_advice(node)
        if reason is not None:
            diagram.add(_owner(node), reason)
    return [problem for _, problem in sorted(diagram.problems, key=lambda item: item[0])]


def _owner(node: etree._Element) -> etree._Element | None:
    """The flow node, sequence flow or process an expression belongs to."""
    parent: etree._Element | None = node.getparent()
    while parent is not None and not (
            _local(parent) in FLOW_NODES | {"sequenceFlow", "process"} and parent.get("id")):
        parent = parent.getparent()
    return parent


def _with_id(node: etree._Element) -> etree._Element | None:
    """The node itself or its nearest ancestor that has an id."""
    found: etree._Element | None = node
    while found is not None and not found.get("id"):
        found = found.getparent()
    return found


# -- processes ---------------------------------------------------------------------------


def _check_processes(d: _Diagram, main: str | None) -> None:
    ids = {p.get("id") for p in d.processes}
    if main is not None and main not in ids:
        d.add(None, f"the file has no process with id '{main}' (the procedure code): "
                    f"the process a dossier runs must have that id")
    called = {n.get("calledElement") for n in d.root.iter() if _local(n) == "callActivity"}
    for process in d.processes:
        pid = process.get("id")
        if (pid == main or pid in called) and not d.executable(process):
            d.add(process, 'process is marked isExecutable="false", so SpiffWorkflow will not '
                           'run it: set isExecutable="true"')


def message_starts(root: etree._Element, main: str) -> list[str]:
    """The names of the messages whose arrival starts a dossier: those of the main
    process's message start events."""
    names = {n.get("id"): (n.get("name") or n.get("id") or "") for n in root
             if _local(n) == "message"}
    return sorted({names.get(d.get("messageRef"), d.get("messageRef") or "")
                   for process in root if _local(process) == "process" and process.get("id") == main
                   for start in _children(process, "startEvent")
                   for d in _definitions_of(start) if _local(d) == "messageEventDefinition"}
                  - {""})


def _check_message_start(d: _Diagram, main: str | None) -> None:
    for process in d.processes:
        if process.get("id") != main:
            continue
        starts = _children(process, "startEvent")
        on_message = [s for s in starts if any(_local(x) == "messageEventDefinition"
                                               for x in _definitions_of(s))]
        if on_message and len(starts) > 1:
            d.add(on_message[0], "a process that a message starts has no other start event "
                                 "(SpiffWorkflow would start all of them at once): draw the "
                                 "other way in as a separate procedure")


# -- references --------------------------------------------------------------------------


def _check_references(d: _Diagram, known: Collection[str]) -> None:
    for container in d.containers.values():
        for flow in container.flows:
            _check_flow_ends(d, container, flow)
        for node in container.nodes.values():
            tag = _local(node)
            if tag == "boundaryEvent":
                _check_attachment(d, container, node)
            default = node.get("default")
            if default is not None:
                outgoing = {f.get("id") for f in container.flows if f.get("sourceRef") == node.get("id")}
                if default not in outgoing:
                    d.add(node, f"its default flow '{default}' is not one of the flows leaving it"
                          + (f" ({_quote_ids(sorted(i for i in outgoing if i))})" if outgoing else ""))
            if tag == "callActivity":
                called = (node.get("calledElement") or "").strip()
                if not called:
                    d.add(node, "call activity names no process to call (calledElement)")
                elif called not in {p.get("id") for p in d.processes} and called not in known:
                    d.add(node, f"call activity calls process '{called}', which is not in this file "
                                "(nor a known shared sub-procedure)")
    participants: set[str | None] = set()
    for node in d.root.iter():
        tag = _local(node)
        if not tag:
            continue  # comments and extension elements
        if tag == "participant":
            participants.add(node.get("id"))
            ref = node.get("processRef")
            if ref and ref not in {p.get("id") for p in d.processes}:
                d.add(node, f"pool refers to process '{ref}', which is not in this file")
        for attribute, kind in DEFINITION_REFS.items():
            ref = node.get(attribute)
            if ref is not None and ref not in d.definitions[kind]:
                owner = (node if node.get("id") and tag in FLOW_NODES | {"messageFlow"}
                         else _owner(node))
                if owner is None:
                    owner = _with_id(node)
                d.add(owner, f"refers to {kind} '{ref}', which is not defined in this file "
                             f"(add <bpmn:{kind} id=\"{ref}\" name=\"…\"/> to the definitions)")
    for node in d.root.iter():
        if _local(node) == "messageFlow":
            for end, word in (("sourceRef", "starts"), ("targetRef", "ends")):
                ref = node.get(end)
                if not ref:
                    d.add(node, f"message flow has no {end} (where it {word})")
                elif ref not in participants and ref not in d.container_of:
                    d.add(node, f"message flow {word} at '{ref}', which is neither a pool nor a "
                                "task or event of this diagram")


def _check_flow_ends(d: _Diagram, container: _Container, flow: etree._Element) -> None:
    for end, word in (("sourceRef", "starts"), ("targetRef", "ends")):
        ref = flow.get(end)
        if not ref:
            d.add(flow, f"sequence flow has no {end} (where it {word})")
        elif ref in container.nodes:
            continue
        elif ref in d.container_of:
            d.add(flow, f"sequence flow {word} at '{ref}', which is inside another process or "
                        "subprocess: a sequence flow stays within one (between pools, use a "
                        "message flow)")
        elif ref in d.by_id:
            what = etree.QName(d.by_id[ref]).localname
            d.add(flow, f"sequence flow {word} at '{ref}', which is a {what}, not a task, "
                        "event or gateway")
        else:
            d.add(flow, f"sequence flow {word} at '{ref}', which is not an element of this diagram")


def _check_attachment(d: _Diagram, container: _Container, event: etree._Element) -> None:
    ref = event.get("attachedToRef")
    if not ref:
        d.add(event, "boundary event is attached to nothing (attachedToRef)")
    elif ref not in d.by_id:
        d.add(event, f"boundary event is attached to '{ref}', which is not an element of this diagram")
    elif ref not in container.nodes or _local(container.nodes[ref]) not in ACTIVITIES:
        d.add(event, f"boundary event is attached to '{ref}', which is not a task or subprocess "
                     f"of the same {container.word}")


# -- what cannot run ---------------------------------------------------------------------


def _check_unsupported(d: _Diagram) -> None:
    for node in d.root.iter():
        tag = _local(node)
        if tag == "complexGateway":
            d.add(node, "complex gateways are not supported by SpiffWorkflow: use an inclusive "
                        "gateway (a condition on each flow) or an exclusive one")
        elif tag == "compensateEventDefinition":
            d.add(_owner(node), "compensation is not supported: SpiffWorkflow 3.2 does not run "
                                "compensation events or handlers; undo the work with explicit "
                                "steps on the path that needs it")
        elif tag in ACTIVITIES and node.get("isForCompensation") == "true":
            d.add(node, "compensation handlers (isForCompensation) are not supported: SpiffWorkflow "
                        "3.2 never runs them")
        elif tag == "conditionalEventDefinition":
            d.add(_owner(node), "conditional events are not supported: the condition is tested only "
                                "when the event is reached, never again, so a dossier would wait "
                                "forever; test it with an exclusive gateway")
        elif tag == "linkEventDefinition":
            d.add(_owner(node), "link events are not supported by SpiffWorkflow: draw the "
                                "sequence flow instead of the link")
        elif tag in ("dataStore", "dataStoreReference"):
            d.add(node, "data stores are not supported (motcua has none): keep the data in the "
                        "dossier, as task data")
        elif tag == "adHocSubProcess":
            d.add(node, "ad hoc subprocesses are not supported: SpiffWorkflow 3.2 tests the "
                        "completion condition before any task has run and fails between its "
                        "tasks; draw the tasks after a parallel or inclusive gateway instead")


# -- shapes SpiffWorkflow refuses --------------------------------------------------------


def _check_shapes(d: _Diagram) -> None:
    for container in d.containers.values():
        tag = _local(container.node)
        starts = _children(container.node, "startEvent")
        if tag == "process" and d.executable(container.node) and not starts:
            d.add(container.node, "process has no start event")
        elif tag in ("subProcess", "transaction"):
            if len(starts) != 1:
                d.add(container.node, f"a subprocess needs exactly one start event (it has {len(starts)})")
            if not _children(container.node, "endEvent"):
                d.add(container.node, "a subprocess needs an end event")
        outgoing: dict[str, list[etree._Element]] = {}
        for flow in container.flows:
            outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
        for node_id, node in container.nodes.items():
            _check_node_shape(d, container, node, outgoing.get(node_id, []))
            _check_event_place(d, container, node)
        if _local(container.node) == "transaction":
            _check_transaction(d, container)


def _check_event_place(d: _Diagram, container: _Container, node: etree._Element) -> None:
    """Events that only mean something in one place: cancel in a transaction, error and
    escalation start events (and triggers of every start event) in event subprocesses."""
    tag = _local(node)
    kinds = {_local(x) for x in _definitions_of(node)}
    if "cancelEventDefinition" in kinds and tag == "endEvent" and _local(container.node) != "transaction":
        d.add(node, "a cancel end event belongs inside a transaction only")
    elif "cancelEventDefinition" in kinds and tag not in ("endEvent", "boundaryEvent"):
        d.add(node, "a cancel event is an end event inside a transaction or a boundary event on it")
    if tag != "startEvent":
        return
    if _is_event_subprocess(container.node):
        if not kinds:
            d.add(node, "the start event of an event subprocess needs a trigger (a timer, message, "
                        "signal, error or escalation event definition)")
        elif any(_children(x, "timeCycle") for x in _definitions_of(node)):
            d.add(node, "a repeating timer (timeCycle) cannot start an event subprocess: use a "
                        "timeDuration or timeDate, or a timer cycle boundary event on the task")
    elif kinds & {"errorEventDefinition", "escalationEventDefinition"}:
        d.add(node, "error and escalation start events belong to event subprocesses "
                    '(a subProcess with triggeredByEvent="true")')


def _check_transaction(d: _Diagram, container: _Container) -> None:
    """A transaction's cancel end event needs a cancel boundary on the transaction to go
    on from: without one the dossier would stop there."""
    cancels = [n for n in container.nodes.values() if _local(n) == "endEvent"
               and any(_local(x) == "cancelEventDefinition" for x in _definitions_of(n))]
    outer = d.container_of.get(container.node.get("id", ""))
    caught = outer is not None and any(
        _local(n) == "boundaryEvent" and n.get("attachedToRef") == container.node.get("id")
        and any(_local(x) == "cancelEventDefinition" for x in _definitions_of(n))
        for n in outer.nodes.values())
    if cancels and not caught:
        d.add(cancels[0], "this cancel end event has no cancel boundary event on its transaction "
                          f"'{container.node.get('id')}' to go on from: add one")


def _check_node_shape(d: _Diagram, container: _Container, node: etree._Element,
                      outgoing: list[etree._Element]) -> None:
    tag = _local(node)
    word = KIND_WORDS.get(tag, tag)
    if len(outgoing) > 1 and tag not in SPLITTERS:
        d.add(node, f"{word} has {len(outgoing)} outgoing flows, but SpiffWorkflow follows only one "
                    "from a task or event: put a parallel gateway after it to take them all, or "
                    "an exclusive gateway to choose one")
    if tag in CONDITIONAL_GATEWAYS and len(outgoing) > 1:
        for flow in outgoing:
            if flow.get("id") != node.get("default") and not _children(flow, "conditionExpression"):
                d.add(flow, f"this flow leaves {word} '{node.get('id')}' with no condition and is "
                            "not its default flow: give it a condition, or make it the default")
    elif tag not in GATEWAYS:
        for flow in outgoing:
            if _children(flow, "conditionExpression"):
                d.add(flow, f"this flow has a condition, but it leaves a {word}, where SpiffWorkflow "
                            "ignores conditions: choose the way with an exclusive gateway")
    if tag == "scriptTask" and not _children(node, "script"):
        d.add(node, "script task has no script")
    if tag == "boundaryEvent":
        definitions = _definitions_of(node)
        if not definitions:
            d.add(node, "boundary event has no trigger (a timer, error, message, signal, … "
                        "event definition)")
        attached = container.nodes.get(node.get("attachedToRef", ""))
        if (any(_local(x) == "cancelEventDefinition" for x in definitions)
                and attached is not None and _local(attached) != "transaction"):
            d.add(node, "a cancel boundary event belongs on a transaction only")
    for loop in _children(node, "standardLoopCharacteristics"):
        maximum = loop.get("loopMaximum")
        if maximum is None and not _children(loop, "loopCondition"):
            d.add(node, "a loop needs a loopMaximum or a loopCondition")
        elif maximum is not None and not maximum.strip().isdigit():
            d.add(node, f"loopMaximum must be a whole number, not '{maximum}'")
    for multi in _children(node, "multiInstanceLoopCharacteristics"):
        has_count = bool(_children(multi, "loopCardinality"))
        has_input = bool(_children(multi, "loopDataInputRef"))
        if has_count == has_input:
            d.add(node, "a multi-instance activity needs either a loopCardinality (how many) or a "
                        "loopDataInputRef (the collection); it has "
                        + ("both" if has_count else "neither"))


# -- paths from start to end -------------------------------------------------------------


def _check_paths(d: _Diagram) -> None:
    for process in d.processes:
        if d.executable(process):
            _walk(d, d.containers[process.get("id", "")])


def _walk(d: _Diagram, container: _Container) -> None:
    """Report what no start event of the container reaches and what reaches no end event;
    then the same inside each subprocess that is reached."""
    nodes = container.nodes
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    predecessors: dict[str, list[str]] = {n: [] for n in nodes}
    for flow in container.flows:
        source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
        if source in nodes and target in nodes:
            successors[source].append(target)
            predecessors[target].append(source)
    _link_events(nodes, successors, predecessors)
    attached: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            attached.setdefault(node.get("attachedToRef", ""), []).append(node_id)

    ad_hoc = _local(container.node) == "adHocSubProcess"
    # not walked: boundary events on nothing and compensation handlers, both reported already
    skipped = {n for n, node in nodes.items()
               if (_local(node) == "boundaryEvent" and node.get("attachedToRef") not in nodes)
               or node.get("isForCompensation") == "true"}
    event_subprocesses = {n for n, node in nodes.items() if _is_event_subprocess(node)}
    if ad_hoc:
        starts = {n for n, node in nodes.items()
                  if not predecessors[n] and _local(node) != "boundaryEvent"} - skipped
    else:
        starts = {n for n, node in nodes.items() if _local(node) == "startEvent"} | event_subprocesses
    if not starts:
        return  # reported by _check_shapes (or an empty ad hoc subprocess)

    forward = {n: list(targets) for n, targets in successors.items()}
    for activity, events in attached.items():
        forward[activity] = forward[activity] + events
    reached = _closure(starts, forward)
    _report_unreached(d, container, nodes, set(nodes) - reached - skipped, forward)

    if not ad_hoc:
        ends = {n for n, node in nodes.items() if _local(node) == "endEvent"}
        finishing = _closure(ends, predecessors)
        compensating = {n for n, node in nodes.items()
                        if any(_local(x) == "compensateEventDefinition" for x in node)}
        stuck = [n for n in nodes if n in reached and n not in finishing
                 and n not in event_subprocesses | compensating]
        dead_ends = [n for n in stuck if not successors[n]]
        for n in dead_ends:
            d.add(nodes[n], f"{KIND_WORDS.get(_local(nodes[n]), 'element')} has no outgoing flow and "
                            "is not an end event: a dossier reaching it would stop here without an "
                            "end (draw a flow on to an end event)")
        leading_to_dead_end = _closure(set(dead_ends), predecessors)
        trapped = {n for n in stuck if n not in leading_to_dead_end}
        _report_closed_loops(d, nodes, trapped, successors, predecessors)

    for n in reached:
        if _local(nodes[n]) in SUBPROCESSES:
            _walk(d, d.containers[n])


def _link_events(nodes: dict[str, etree._Element], successors: dict[str, list[str]],
                 predecessors: dict[str, list[str]]) -> None:
    """A link throw event goes on at the link catch events of the same name (links are
    refused, but walking them spares the analyst problems that are only their echo)."""
    def link_name(node: etree._Element) -> str | None:
        links = [x for x in node if _local(x) == "linkEventDefinition"]
        return (links[0].get("name") or node.get("name")) if links else None

    catches: dict[str | None, list[str]] = {}
    for n, node in nodes.items():
        if _local(node) == "intermediateCatchEvent" and link_name(node):
            catches.setdefault(link_name(node), []).append(n)
    for n, node in nodes.items():
        if _local(node) == "intermediateThrowEvent" and link_name(node):
            for target in catches.get(link_name(node), []):
                successors[n].append(target)
                predecessors[target].append(n)


def _report_closed_loops(d: _Diagram, nodes: dict[str, etree._Element], trapped: set[str],
                         successors: dict[str, list[str]],
                         predecessors: dict[str, list[str]]) -> None:
    """Paths that neither end nor stop end in loops with no way out: one problem per
    such loop, at the element where the dossier enters it."""
    order = list(nodes)
    inside = {n: [x for x in successors[n] if x in trapped] for n in trapped}
    back = {n: [x for x in predecessors[n] if x in trapped] for n in trapped}
    seen: set[str] = set()
    for n in sorted(trapped, key=order.index):
        if n in seen:
            continue
        onward = _closure({n}, inside)
        loop = onward & _closure({n}, back)
        if onward != loop:
            continue  # it only leads into a loop, which is reported on its own
        seen |= loop
        members = sorted(loop, key=order.index)
        entry = next((m for m in members if any(p not in loop for p in predecessors[m])), members[0])
        d.add(nodes[entry], "no path leads from here to an end event: the loop through "
                            f"{_quote_ids(members)} has no way out")


def _closure(seeds: set[str], edges: dict[str, list[str]]) -> set[str]:
    seen = set(seeds)
    todo = list(seeds)
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _report_unreached(d: _Diagram, container: _Container, nodes: dict[str, etree._Element],
                      unreached: set[str], forward: dict[str, list[str]]) -> None:
    """One problem per place where an unreachable region begins, naming what follows it."""
    order = list(nodes)
    inside = {n: [x for x in forward[n] if x in unreached and x != n] for n in unreached}
    entered = {x for targets in inside.values() for x in targets}
    entries = [n for n in order if n in unreached and n not in entered]
    covered = _closure(set(entries), inside)
    for n in order:  # a closed loop no one enters begins at its first element
        if n in unreached and n not in covered:
            entries.append(n)
            covered |= _closure({n}, inside)
    for n in sorted(entries, key=order.index):
        after = sorted(_closure({n}, inside) - {n}, key=order.index)
        what = KIND_WORDS.get(_local(nodes[n]), "element")
        d.add(nodes[n], f"{what} cannot be reached from any start event of its {container.word}"
                        + (f"; neither can what follows it: {_quote_ids(after)}" if after else ""))


# -- expressions -------------------------------------------------------------------------

_JUEL = re.compile(r"[#$]\{(.*)\}", re.S)
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?=\d|T\d)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
                   r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")
_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
# JUEL and FEEL operators and literals, and their Python spelling
_REWRITES = [
    (re.compile(r"&&"), " and "), (re.compile(r"\|\|"), " or "),
    (re.compile(r"<>"), " != "), (re.compile(r"!(?!=)"), " not "),
    (re.compile(r"(?<![=!<>:])=(?!=)"), " == "),
    (re.compile(r"\beq\b"), "=="), (re.compile(r"\bne\b"), "!="), (re.compile(r"\bgt\b"), ">"),
    (re.compile(r"\blt\b"), "<"), (re.compile(r"\bge\b"), ">="), (re.compile(r"\ble\b"), "<="),
    (re.compile(r"\bdiv\b"), "/"), (re.compile(r"\bmod\b"), "%"),
    (re.compile(r"\bempty\s+"), "not "),
    (re.compile(r"\btrue\b"), "True"), (re.compile(r"\bfalse\b"), "False"),
    (re.compile(r"\bnull\b"), "None"),
]
_FOREIGN_NAMES = frozenset({"true", "false", "null"})


def _is_iso_time(text: str) -> bool:
    """An ISO 8601 duration, date(-time) or repeating interval, as written bare."""
    if _DURATION.fullmatch(text) or _DATE.fullmatch(text):
        return True
    parts = text.split("/")
    return (len(parts) > 1 and re.fullmatch(r"R\d*", parts[0]) is not None
            and all(_DURATION.fullmatch(p) or _DATE.fullmatch(p) for p in parts[1:]))


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _as_python(text: str) -> str | None:
    """The expression with JUEL/FEEL operators and literals spelled in Python, when
    that parses; string literals are left alone."""
    pieces = _STRING.split(text)
    for i in range(0, len(pieces), 2):
        for pattern, replacement in _REWRITES:
            pieces[i] = pattern.sub(replacement, pieces[i])
    python = re.sub(r"\s+", " ", "".join(pieces)).strip()
    python = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", python))
    return python if python and _parses(python) else None


def expression_advice(node: etree._Element) -> str | None:
    """Why an expression is written in the wrong language (JUEL, FEEL, a bare ISO 8601
    timer value), with what to write instead; None when it is to be checked as Python.
    Deploy validation skips the sandbox's own check for the texts this explains."""
    kind = EXPRESSION_KINDS.get(_local(node))
    text = (node.text or "").strip() if kind else ""
    if not kind or not text:
        return None
    timer = _local(node) in TIMER_TAGS
    juel = _JUEL.fullmatch(text)
    if juel is not None:
        inner = juel.group(1).strip()
        suggestion = f'"{inner}"' if timer and _is_iso_time(inner) else _as_python(inner)
        return _advice(kind, text, suggestion, "JUEL")
    if text.startswith("=") and not text.startswith("=="):
        inner = text[1:].strip()
        suggestion = f'"{inner}"' if timer and _is_iso_time(inner) else _as_python(inner)
        return _advice(kind, text, suggestion, "FEEL")
    if timer and _is_iso_time(text):
        return f'timer values are Python expressions: write "{text}" (with quotes)'
    if not _parses(text):
        suggestion = _as_python(text)
        return _advice(kind, text, suggestion, "JUEL or FEEL") if suggestion else None
    names = {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
    if names & _FOREIGN_NAMES:
        return _advice(kind, text, _as_python(text), "JUEL or FEEL")
    return None


def _advice(kind: str, text: str, suggestion: str | None, language: str) -> str:
    said = f"{kind} are Python expressions evaluated on the dossier's data, not {language}: "
    if suggestion:
        return said + f"write `{suggestion}` instead of `{text}`"
    return said + f"rewrite `{text}` in Python"
