"""What a sandboxed script or expression can touch at run time, and how much.

The compiled code (see sandbox.py) reaches attributes, items, iteration, operators
and writes only through the guards of one `Budget`. Attributes are an allow-list of
methods of plain data types (no `format`, nothing of types, functions, generators,
frames or code). Every step, and the size of every value bound, stored, iterated,
compared or passed to a call, is charged to the budget; no value may grow past the
size limits. Both limits count work, not time, so a replay stops where the run did.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..errors import ScriptRefused

MAX_STEPS = 2_000_000  # units of work per evaluation: steps plus sizes checked
MAX_NODES = 100_000  # items in one value, nested items counted each time they appear
MAX_STRING = 1_000_000  # characters in one string
MAX_INT_BITS = 10_000
MAX_RANGE = 10_000
MAX_ROUND_DIGITS = 100
STRING_UNIT = 1_000  # characters a size unit stands for

PLAIN_SCALARS = (str, int, float, bool, type(None))
STR_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum",
    "isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
    "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
})
METHODS: dict[type, frozenset[str]] = {
    str: STR_METHODS,
    dict: frozenset({"get", "keys", "values", "items", "copy", "update", "setdefault", "pop",
                     "clear"}),
    list: frozenset({"append", "extend", "insert", "pop", "remove", "index", "count", "copy",
                     "sort", "reverse", "clear"}),
    tuple: frozenset({"count", "index"}),
    set: frozenset({"add", "discard", "remove", "pop", "union", "intersection", "difference",
                    "symmetric_difference", "issubset", "issuperset", "isdisjoint", "copy",
                    "update", "clear"}),
    frozenset: frozenset({"union", "intersection", "difference", "symmetric_difference",
                          "issubset", "issuperset", "isdisjoint", "copy"}),
    float: frozenset({"is_integer"}),
}
ALLOWED_ATTRIBUTES = frozenset().union(*METHODS.values())
INDEXABLE = (dict, list, tuple, str, range)
WRITABLE = (dict, list)
BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "<<": operator.lshift,
    ">>": operator.rshift, "|": operator.or_, "&": operator.and_, "^": operator.xor,
}
BUILTIN_NAMES = ("len", "min", "max", "sum", "round", "abs", "int", "float", "str", "bool",
                 "list", "dict", "set", "tuple", "sorted", "any", "all", "enumerate", "zip",
                 "isinstance", "range")


class SandboxLimit(ScriptRefused):
    """A script or expression went past a limit while it ran."""


class Budget:
    """The guards of one evaluation and the work it has left."""

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.left = steps

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise SandboxLimit(f"the script went past its budget of {MAX_STEPS} steps")

    def size(self, value: Any, limit: int = MAX_NODES) -> int:
        """The value's size, nested items counted each time they appear; charged."""
        total, stack = 0, [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if len(item) > MAX_STRING:
                    raise SandboxLimit(f"a string of {len(item)} characters is longer than"
                                       f" the limit of {MAX_STRING}")
                total += 1 + len(item) // STRING_UNIT
            elif isinstance(item, int) and not isinstance(item, bool):
                if item.bit_length() > MAX_INT_BITS:
                    raise SandboxLimit(f"a number larger than {MAX_INT_BITS} bits")
                total += 1
            elif isinstance(item, dict):
                total += 1
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list | tuple | set | frozenset):
                total += 1
                stack.extend(item)
            else:
                total += 1
            if total > limit:
                raise SandboxLimit(f"a value of more than {limit} items is larger than the limit")
        self.spend(total)
        return total

    def sized(self, value: Any) -> Any:
        self.size(value)
        return value

    # -- the guards the compiled code calls ---------------------------------------

    def getattr(self, obj: Any, name: str) -> Any:
        self.spend(1)
        if name not in METHODS.get(type(obj), ()):
            raise ScriptRefused(f"attribute {name!r} of a {type(obj).__name__} is not allowed")
        return self._guarded(getattr(obj, name), f"{type(obj).__name__}.{name}", obj)

    def getitem(self, obj: Any, key: Any) -> Any:
        self.spend(1)
        if not isinstance(obj, INDEXABLE):
            raise ScriptRefused(f"indexing a {type(obj).__name__} is not allowed")
        if isinstance(key, tuple):
            self.size(key)
        return obj[key]

    def getiter(self, obj: Any) -> Iterator[Any]:
        self.spend(1)
        for item in iter(obj):
            self.spend(1)
            self.size(item)
            yield item

    def write(self, obj: Any) -> Any:
        if type(obj) not in WRITABLE:
            raise ScriptRefused(f"changing a {type(obj).__name__} is not allowed")
        return obj

    def binop(self, op: str, left: Any, right: Any) -> Any:
        self.spend(1)
        self._check_operation(op, left, right)
        return self.sized(BINARY[op](left, right))

    def inplace(self, op: str, left: Any, right: Any) -> Any:
        return self.binop(op.rstrip("="), left, right)

    def apply(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    def _check_operation(self, op: str, left: Any, right: Any) -> None:
        if op == "*":
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, str) and isinstance(times, int):
                self._fits(0, len(seq) * max(times, 0), seq)
            elif isinstance(seq, list | tuple) and isinstance(times, int):
                self._fits(self.size(seq) * max(times, 0), 0, seq)
        elif op == "+" and isinstance(left, str) and isinstance(right, str):
            self._fits(0, len(left) + len(right), left)
        elif op == "+" and isinstance(left, list | tuple) and type(left) is type(right):
            self._fits(self.size(left) + self.size(right), 0, left)
        elif op in ("**", "<<") and isinstance(left, int) and isinstance(right, int):
            bits = left.bit_length() * right if op == "**" else left.bit_length() + right
            if right > MAX_INT_BITS or bits > MAX_INT_BITS:
                raise SandboxLimit(f"a number larger than {MAX_INT_BITS} bits")
        elif op == "%" and isinstance(left, str):
            raise ScriptRefused("formatting strings with % is not allowed")

    @staticmethod
    def _fits(nodes: int, length: int, like: Any) -> None:
        if isinstance(like, str) and length > MAX_STRING:
            raise SandboxLimit(f"a string of {length} characters is longer than the limit"
                               f" of {MAX_STRING}")
        if nodes > MAX_NODES:
            raise SandboxLimit(f"a value of more than {MAX_NODES} items is larger than the limit")

    def _guarded(self, method: Callable[..., Any], name: str, owner: Any) -> Callable[..., Any]:
        pre = PRE_CHECKS.get(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.spend(1)
            for arg in (*args, *kwargs.values()):
                self.size(arg)
            if pre is not None:
                args = pre(self, owner, args)
            return self.sized(method(*args, **kwargs))

        return call

    def builtins(self) -> dict[str, Any]:
        """The allow-listed builtins; they charge the budget made active by `active()`."""
        return dict(_BUILTINS)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this the budget the builtins charge while the compiled code runs."""
        token = _ACTIVE.set(self)
        try:
            yield
        finally:
            _ACTIVE.reset(token)


# The builtins are made once; each call charges the budget of the evaluation running in
# this thread (a context variable), so an evaluation does not rebuild them.
_ACTIVE: ContextVar[Budget] = ContextVar("sandbox_budget")


def _guarded_builtin(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        budget = _ACTIVE.get()
        budget.spend(1)
        for arg in (*args, *kwargs.values()):
            budget.size(arg)
        return budget.sized(func(*args, **kwargs))

    call.__name__ = func.__name__
    return call


def _isinstance(obj: Any, kinds: Any) -> bool:
    _ACTIVE.get().spend(1)
    wanted = kinds if isinstance(kinds, tuple) else (kinds,)
    real = tuple(_TYPES.get(k) for k in wanted)
    if None in real:
        raise ScriptRefused("isinstance takes the names of plain types only")
    return isinstance(obj, real)  # type: ignore[arg-type]


def _range(*args: int) -> range:
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise SandboxLimit(f"range of {len(found)} items is longer than the limit of {MAX_RANGE}")
    return found


def _sum(values: Any, start: Any = 0) -> Any:
    if not isinstance(start, int | float):
        raise ScriptRefused("sum adds numbers only")
    return sum(values, start)


def _round(number: Any, digits: int | None = None) -> Any:
    if digits is not None and abs(digits) > MAX_ROUND_DIGITS:
        raise SandboxLimit(f"round to more than {MAX_ROUND_DIGITS} digits")
    return round(number) if digits is None else round(number, digits)


def _join(budget: Budget, owner: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    items = list(budget.getiter(args[0])) if args else []
    budget._fits(len(items), len(owner) * max(len(items) - 1, 0)
                 + sum(len(i) for i in items if isinstance(i, str)), owner)
    return (items, *args[1:])


def _replace(budget: Budget, owner: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        times = owner.count(args[0]) if args[0] else len(owner) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            times = min(times, args[2])
        budget._fits(0, len(owner) + times * max(len(args[1]) - len(args[0]), 0), owner)
    return args


def _pad(budget: Budget, owner: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if args and isinstance(args[0], int):
        budget._fits(0, args[0], owner)
    return args


def _grow(budget: Budget, owner: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """list.extend, dict.update, set.update, set.union: the result fits before it is built."""
    materialised = tuple(list(budget.getiter(a)) if not isinstance(a, dict | set | frozenset | list | tuple)
                         else a for a in args)
    budget._fits(len(owner) + sum(len(a) for a in materialised), 0, owner)
    return materialised


def _one_more(budget: Budget, owner: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    budget._fits(len(owner) + 1, 0, owner)
    return args


PRE_CHECKS: dict[str, Callable[[Budget, Any, tuple[Any, ...]], tuple[Any, ...]]] = {
    "str.join": _join, "str.replace": _replace, "str.center": _pad, "str.ljust": _pad,
    "str.rjust": _pad, "str.zfill": _pad, "list.extend": _grow, "dict.update": _grow,
    "set.update": _grow, "set.union": _grow, "frozenset.union": _grow,
    "list.append": _one_more, "list.insert": _one_more, "set.add": _one_more,
    "dict.setdefault": _one_more,
}


def plain(value: Any, where: str) -> None:
    """Refuse what task data cannot hold: anything but JSON's kinds of values."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise ScriptRefused(f"{where}: a mapping's keys must be strings")
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif not isinstance(item, PLAIN_SCALARS):
            raise ScriptRefused(f"{where}: a {type(item).__name__} cannot be kept in the dossier's data")


def _builtin_table() -> dict[str, Any]:
    import builtins

    table: dict[str, Any] = {name: _guarded_builtin(getattr(builtins, name))
                             for name in BUILTIN_NAMES}
    table.update(range=_guarded_builtin(_range), sum=_guarded_builtin(_sum),
                 round=_guarded_builtin(_round), isinstance=_isinstance)
    return table


_BUILTINS = _builtin_table()
_TYPES: dict[Any, type] = {_BUILTINS[t.__name__]: t
                           for t in (int, float, str, bool, list, dict, set, tuple)}
