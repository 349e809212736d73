from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .script_guard import SAFE_BUILTINS, compile_checked


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data as the namespace, the allow-listed builtins, nothing else."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": SAFE_BUILTINS})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = compile_checked(expression.strip(), "eval")
        namespace = copy.copy(self.globals)
        namespace.update(context)
        return eval(code, namespace)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = compile_checked(script, "exec")
        return super().execute(code, context, external_context)  # type: ignore[arg-type]

    def call_service(self, context: Any, **kwargs: Any) -> str:
        raise RuntimeError("service tasks are queued as jobs, never called inline")


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())
