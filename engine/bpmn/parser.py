"""Parse a procedure's BPMN safely into a SpiffWorkflow spec with our task classes."""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
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

from .specs import ClockDateTimer, ClockDurationTimer, QueuedServiceTask


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
        }.get(type(definition))
        if replacement is None:
            raise ValidationException(
                "only timeDuration and timeDate timers are supported",
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
    pass


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


def parse_spec(bpmn: bytes, filename: str, process_id: str) -> tuple[Any, dict[str, Any]]:
    """The process spec and the specs of every subprocess and called process it
    reaches (by id); raises UnsafeXml or SpiffWorkflow's ValidationException."""
    root = parse_xml_safely(bpmn, filename)
    parser = ProcedureParser()
    parser.add_bpmn_xml(root, filename=filename)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
