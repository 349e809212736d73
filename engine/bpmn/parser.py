"""Parse a procedure's BPMN safely into a SpiffWorkflow spec with our task classes."""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser

from .specs import ClockCycleTimer, ClockDateTimer, ClockDurationTimer, QueuedServiceTask
from .spiff import listen_from_start


class UnsafeXml(ValueError):
    """XML that declares a DTD or entities, or does not parse."""


def parse_xml_safely(data: bytes, filename: str) -> etree._Element:
    """Parse XML without DTDs, entities or network access."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml(f"{filename}: DOCTYPE and entity declarations are refused")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"{filename}: malformed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(f"{filename}: DOCTYPE and entity declarations are refused")
    return root


class _ClockTimerMixin:
    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        replacement = {
            DurationTimerEventDefinition: ClockDurationTimer,
            TimeDateEventDefinition: ClockDateTimer,
            CycleTimerEventDefinition: ClockCycleTimer,
        }.get(type(definition))
        if replacement is None:
            raise ValidationException(
                "a timer needs a timeDuration, timeDate or timeCycle",
                node=self.node, file_name=self.filename,  # type: ignore[attr-defined]
            )
        return replacement(
            definition.name, definition.expression, description=definition.description
        )


class BoundaryEventParser(_ClockTimerMixin, SpiffBoundaryEventParser):
    pass


class IntermediateCatchEventParser(_ClockTimerMixin, SpiffIntermediateCatchEventParser):
    pass


class StartEventParser(_ClockTimerMixin, SpiffStartEventParser):
    """Start events as SpiffWorkflow reads them, plus the error and escalation start
    events of event subprocesses (which it would read as plain start events, so they
    would fire at once), each knowing whether it interrupts (`isInterrupting`)."""

    def create_task(self) -> Any:
        definition = self.get_event_definition([
            MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH, CONDITIONAL_EVENT_XPATH,
            ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH])
        task = self._create_task(definition)
        self.spec.start.connect(task)
        task.interrupting = self.node.get("isInterrupting", "true").strip().lower() != "false"
        return task


class ProcedureParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, QueuedServiceTask),
        full_tag("boundaryEvent"): (
            BoundaryEventParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("boundaryEvent")][1]
        ),
        full_tag("intermediateCatchEvent"): (
            IntermediateCatchEventParser,
            SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("intermediateCatchEvent")][1],
        ),
        full_tag("startEvent"): (
            StartEventParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("startEvent")][1]
        ),
    }


def parse_spec(bpmn: bytes, filename: str, process_id: str,
               decisions: Mapping[str, bytes] | None = None,
               others: Mapping[str, bytes] | None = None) -> tuple[Any, dict[str, Any]]:
    """The process spec and the specs of every subprocess and called process it
    reaches (by id); `decisions` are the DMN files (path → content) its business rule
    tasks call, `others` the BPMN files (name → content) of the shared sub-procedures
    its call activities call. Raises UnsafeXml or SpiffWorkflow's ValidationException."""
    root = parse_xml_safely(bpmn, filename)
    parser = ProcedureParser()
    for path, dmn in sorted((decisions or {}).items()):
        parser.add_dmn_xml(prepared_decision(parse_xml_safely(dmn, path)), filename=path)
    for name, other in sorted((others or {}).items()):
        parser.add_bpmn_xml(parse_xml_safely(other, name), filename=name)
    parser.add_bpmn_xml(root, filename=filename)
    spec, subprocess_specs = parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    for each in (spec, *subprocess_specs.values()):
        listen_from_start(each)
    return spec, subprocess_specs


# -- decision tables (DMN) ------------------------------------------------------------

DMN_NAMESPACES = frozenset({
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # DMN 1.1
    "http://www.omg.org/spec/DMN/20180521/MODEL/",  # DMN 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",  # DMN 1.3
})


def prepared_decision(root: etree._Element) -> etree._Element:
    """A DMN document as SpiffWorkflow is given it: a copy with each input expression in
    parentheses and each entry's text without surrounding blanks (an empty entry is "any").
    SpiffWorkflow joins an input expression and a test as they are written, so `channel`
    and `in ("a", "b")` would make `channelin ("a", "b")` and `a or b` with `< 5`
    `a or b< 5`; and a test that starts with a blank reads as an indented line."""
    copy = deepcopy(root)
    for node in copy.iter():
        parent = node.getparent()
        if (not isinstance(node.tag, str) or parent is None or not isinstance(parent.tag, str)
                or etree.QName(node).namespace not in DMN_NAMESPACES
                or etree.QName(node).localname != "text"):
            continue
        text = (node.text or "").strip()
        owner = etree.QName(parent).localname
        if owner == "inputExpression":
            node.text = f"({text})" if text else None
        elif owner in ("inputEntry", "outputEntry"):
            node.text = text or None
    return copy


def read_decision(dmn: bytes, filename: str) -> Any:
    """SpiffWorkflow's reading of a DMN file: its decision (`id`, `name`,
    `decisionTables`), as a business rule task calling it would run it. Raises UnsafeXml,
    SpiffWorkflow's ValidationException, or whatever its DMN parser meets."""
    parser = ProcedureParser()
    parser.add_dmn_xml(prepared_decision(parse_xml_safely(dmn, filename)), filename=filename)
    [dmn_parser] = parser.dmn_parsers.values()
    dmn_parser.parse()
    return dmn_parser.decision
