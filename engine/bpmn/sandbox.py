"""The one evaluator of BPMN scripts and expressions: gateway conditions, script
tasks and their pre/post scripts, timer and multi-instance expressions, service
task parameters. Bundles are untrusted, so their code is compiled by RestrictedPython
with the policy below (checked at deploy and compiled again before it runs) and runs
on the guards of sandbox_guards with an allow-list of builtins. Replay runs the same
code through the same evaluator.

Refused when compiled: imports, def, lambda, class, while, try, raise, with, del,
global, yield, await, f-strings, match, annotations; names starting with "_" or
naming a forbidden builtin; attributes that are not a method of plain data.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ..errors import ScriptRefused
from .sandbox_guards import ALLOWED_ATTRIBUTES, Budget, plain

MAX_SOURCE = 20_000  # characters of one script or expression

FORBIDDEN_NODES: tuple[type[ast.AST], ...] = (
    ast.Import, ast.ImportFrom, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
    ast.Lambda, ast.ClassDef, ast.Global, ast.Nonlocal, ast.Try, ast.TryStar, ast.Raise,
    ast.With, ast.AsyncWith, ast.AsyncFor, ast.Await, ast.Yield, ast.YieldFrom,
    ast.Delete, ast.JoinedStr, ast.Match, ast.AnnAssign, ast.Assert,
)
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "input", "breakpoint", "globals", "locals", "vars",
    "getattr", "setattr", "delattr", "hasattr", "dir", "type", "object", "super",
    "memoryview", "bytearray", "help", "exit", "quit", "print", "printed", "id",
    "classmethod", "staticmethod", "property", "format", "iter", "next", "__import__",
    "__builtins__",
})
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
             ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>",
             ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}


def _call(guard: str, *args: ast.expr) -> ast.Call:
    """A call of one of the guards, placed where its first argument is."""
    call = ast.Call(func=ast.Name(guard, ast.Load()), args=list(args), keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, args[-1]))


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, narrowed: our bans first, with messages that name
    what is refused; then operators, comparisons and bound values go through guards."""

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, FORBIDDEN_NODES):
            self._refuse(node, f"'{type(node).__name__}' is not allowed")
            return node
        return super().visit(node)

    def _refuse(self, node: ast.AST, reason: str) -> None:
        self.errors.append(f"{reason} (line {getattr(node, 'lineno', '?')})")

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id.startswith("_") or node.id in FORBIDDEN_NAMES:
            self._refuse(node, f"name '{node.id}' is not allowed")
            return node
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr not in ALLOWED_ATTRIBUTES:
            self._refuse(node, f"attribute '{node.attr}' is not allowed")
            return self.node_contents_visit(node)
        if not isinstance(node.ctx, ast.Load):
            self._refuse(node, f"assigning attribute '{node.attr}' is not allowed")
            return self.node_contents_visit(node)
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        if type(node.op) not in OPERATORS:
            self._refuse(node, f"operator '{type(node.op).__name__}' is not allowed")
            return node
        return ast.copy_location(
            _call("_op_", ast.copy_location(ast.Constant(OPERATORS[type(node.op)]), node),
                  node.left, node.right), node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        node = self.node_contents_visit(node)
        node.left = _call("_sized_", node.left)
        node.comparators = [_call("_sized_", c) for c in node.comparators]
        return node

    def visit_Set(self, node: ast.Set) -> Any:
        node = self.node_contents_visit(node)
        node.elts = [_call("_sized_", e) for e in node.elts]
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        node = self.node_contents_visit(node)
        node.keys = [k if k is None else _call("_sized_", k) for k in node.keys]
        return node

    def visit_Assign(self, node: ast.Assign) -> Any:
        result = super().visit_Assign(node)
        for assign in result if isinstance(result, list) else [result]:
            if isinstance(assign, ast.Assign):
                assign.value = _call("_sized_", assign.value)
        return result

    def visit_NamedExpr(self, node: ast.NamedExpr) -> Any:
        result = super().visit_NamedExpr(node)
        if isinstance(result, ast.NamedExpr):
            result.value = _call("_sized_", result.value)
        return result


def check_source(source: str, mode: str) -> list[str]:
    """Every reason the source is refused; empty when it is allowed. mode: exec|eval."""
    return _compile(source, mode)[1]


def compile_checked(source: str, mode: str) -> CodeType:
    """The compiled script or expression; ScriptRefused when the source is refused."""
    code, reasons = _compile(source, mode)
    if reasons or code is None:
        raise ScriptRefused("script refused: " + "; ".join(reasons), source=source.strip()[:80])
    return code


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> tuple[CodeType | None, list[str]]:
    if len(source) > MAX_SOURCE:
        return None, [f"longer than {MAX_SOURCE} characters"]
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return None, [f"syntax error at line {exc.lineno}: {exc.msg}"]
    except (RecursionError, MemoryError, ValueError):
        return None, ["nested too deeply"]
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, "<bpmn>", policy=SandboxPolicy)
    except (RecursionError, MemoryError):
        return None, ["nested too deeply"]
    reasons = list(result.errors) + [w for w in result.warnings if "is not known" in w]
    return (result.code if not reasons else None), reasons


def _namespace(budget: Budget, data: dict[str, Any]) -> dict[str, Any]:
    namespace = {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")}
    namespace.update({
        "__builtins__": budget.builtins(),
        "_getattr_": budget.getattr, "_getitem_": budget.getitem, "_getiter_": budget.getiter,
        "_write_": budget.write, "_inplacevar_": budget.inplace, "_apply_": budget.apply,
        "_op_": budget.binop, "_sized_": budget.sized,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    })
    return namespace


def evaluate(source: str, data: dict[str, Any]) -> Any:
    """The value of an expression over the task's data; it must be plain data."""
    code = compile_checked(source.strip(), "eval")
    budget = Budget()
    with budget.active():
        value = eval(code, _namespace(budget, data))
    budget.size(value)
    plain(value, "the expression's value")
    return value


def execute(source: str, data: dict[str, Any], external: dict[str, Any] | None = None) -> None:
    """Run a script over the task's data; its variables become task data (plain data
    only, each within the size limit), all or nothing."""
    code = compile_checked(source, "exec")
    budget = Budget()
    namespace = _namespace(budget, {**(external or {}), **data})
    with budget.active():
        exec(code, namespace)
    changed: dict[str, Any] = {}
    for name, value in namespace.items():
        if name.startswith("_") or (external and name in external and value is external[name]):
            continue
        budget.size(value)
        plain(value, f"variable {name!r}")
        changed[name] = value
    data.update(changed)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, every call through the sandbox."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        execute(script, context, external_context)
        return True

    def call_service(self, context: Any, **kwargs: Any) -> str:
        raise RuntimeError("service tasks are queued as jobs, never called inline")


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=SandboxEnvironment())
