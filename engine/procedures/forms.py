"""Form data checked against its JSON Schema, every field's problem listed."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from ..contacts import FORMAT_CHECKER
from ..errors import InvalidInput

_FORMATS = FORMAT_CHECKER


def field_errors(schema: dict[str, Any] | Validator, data: Any) -> dict[str, list[str]]:
    """Every problem of the data, keyed by dotted field path."""
    validator = (schema if not isinstance(schema, dict)
                 else Draft202012Validator(schema, format_checker=_FORMATS))
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            path = f"{path}.{missing}" if path else missing
            message = "is required"
        else:
            message = error.message
        errors.setdefault(path or "(form)", []).append(message)
    return errors


def check(schema: dict[str, Any] | Validator, data: Any, **context: Any) -> dict[str, Any]:
    """Return the data if it satisfies the schema; raise InvalidInput otherwise."""
    if not isinstance(data, dict):
        raise InvalidInput("form data must be an object", {"(form)": ["not an object"]}, **context)
    errors = field_errors(schema, data)
    if errors:
        raise InvalidInput("the form has errors", errors, **context)
    return data
