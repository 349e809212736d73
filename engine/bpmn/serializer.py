"""Workflow state without its spec: the spec belongs to the procedure version,
so each dossier's stored state holds only what changes.

A stored state names the serializer version it was written with; a state of any
other version is refused rather than read as if it were this one."""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from ..errors import MotcuaError
from .specs import ClockCycleTimer, ClockDateTimer, ClockDurationTimer, QueuedServiceTask
from .spiff import StateOnlyWorkflowConverter

# The one state format this engine reads and writes (SpiffWorkflow 3.2's).
SERIALIZER_VERSION = "1.5"


class UnknownStateFormat(MotcuaError):
    """A stored workflow state written in a format this engine does not read."""

    http_status = 500


def _config() -> dict[Any, Any]:
    config = dict(SPIFF_CONFIG)
    config.pop(ServiceTask, None)
    config[QueuedServiceTask] = ServiceTaskConverter
    config[ClockDurationTimer] = TimerConditionalEventDefinitionConverter
    config[ClockDateTimer] = TimerConditionalEventDefinitionConverter
    config[ClockCycleTimer] = TimerConditionalEventDefinitionConverter
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    return config


_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config()),
                                     version=SERIALIZER_VERSION)


def dump_state(workflow: BpmnWorkflow) -> str:
    state: str = _SERIALIZER.serialize_json(workflow)
    return state


def load_state(state: str, spec: Any, subprocess_specs: Any = None,
               **context: object) -> BpmnWorkflow:
    """Restore a stored state; `context` (a dossier code) goes into the error."""
    dct = json.loads(state)
    version = dct.pop(_SERIALIZER.VERSION_KEY, None)
    if version != SERIALIZER_VERSION:
        raise UnknownStateFormat(
            f"stored workflow state has serializer_version {version!r}; "
            f"this engine reads only {SERIALIZER_VERSION!r}",
            serializer_version=version, **context)
    return _SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
