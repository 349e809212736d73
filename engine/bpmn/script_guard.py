"""Restricted Python for BPMN scripts and expressions.

Checked statically (at deploy and before every run) and executed with a
builtins allow-list. No while/def/lambda/class means every script terminates;
`range` is capped, so loops stay bounded.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from types import CodeType
from typing import Any

from ..errors import ScriptRefused

MAX_RANGE = 10_000


def _bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ScriptRefused(f"range of {len(r)} items exceeds the limit of {MAX_RANGE}")
    return r


SAFE_BUILTINS: dict[str, Any] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "len", "min", "max", "sum", "round", "abs", "int", "float", "str", "bool",
        "list", "dict", "set", "tuple", "sorted", "any", "all", "enumerate", "zip",
        "isinstance", "True", "False", "None",
    )
}
SAFE_BUILTINS["range"] = _bounded_range

FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "input", "breakpoint", "globals", "locals", "vars",
    "getattr", "setattr", "delattr", "hasattr", "dir", "type", "object", "super",
    "memoryview", "bytearray", "help", "exit", "quit", "print", "id", "classmethod",
    "staticmethod", "property", "__import__", "__builtins__",
})

FORBIDDEN_NODES: tuple[type[ast.AST], ...] = (
    ast.Import, ast.ImportFrom, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
    ast.Lambda, ast.ClassDef, ast.Global, ast.Nonlocal, ast.Try, ast.Raise,
    ast.With, ast.AsyncWith, ast.AsyncFor, ast.Await, ast.Yield, ast.YieldFrom,
    ast.Delete,
)


def check_source(source: str, mode: str) -> list[str]:
    """Every reason the source is refused; empty when it is allowed. mode: exec|eval."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [f"syntax error at line {exc.lineno}: {exc.msg}"]
    reasons: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, FORBIDDEN_NODES):
            reasons.append(f"'{type(node).__name__}' is not allowed (line {node.lineno})")
        elif isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
            reasons.append(f"name '{node.id}' is not allowed (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            reasons.append(f"attribute '{node.attr}' is not allowed (line {node.lineno})")
    return reasons


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str) -> CodeType:
    """Compile a script or expression after checking it; raise ScriptRefused otherwise."""
    reasons = check_source(source, mode)
    if reasons:
        raise ScriptRefused("script refused: " + "; ".join(reasons), source=source.strip()[:80])
    return compile(source, "<bpmn>", mode)
