"""The Jinja environment for templates that come from procedure bundles (results,
slips): Jinja's immutable sandbox, which refuses underscore attributes, function
internals and changes to the data it is given, and refuses building strings, lists
or numbers past a size limit with `*` and `**`."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_LENGTH = 1_000_000  # characters or items built by one `*`
MAX_INT_BITS = 10_000


class BundleTemplates(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, str | list | tuple) and isinstance(times, int) \
                    and len(seq) * times > MAX_LENGTH:
                raise SecurityError(f"a value longer than {MAX_LENGTH} is not built")
        elif isinstance(left, int) and isinstance(right, int) \
                and left.bit_length() * right > MAX_INT_BITS:
            raise SecurityError(f"a number larger than {MAX_INT_BITS} bits is not built")
        return super().call_binop(context, operator, left, right)


def bundle_environment() -> BundleTemplates:
    return BundleTemplates(autoescape=True, undefined=jinja2.StrictUndefined)
