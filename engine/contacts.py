"""E-mail addresses and phone numbers as people enter them: on accounts (registration,
the account page, the administrators' form) and in applications (the schema's
"format": "email" fields, on the web and through the API alike). A value with a line
break, a space or a second '@' would reach a mail header; it is refused where it is
entered, never taken and later broken on."""

from __future__ import annotations

import re

from jsonschema import FormatChecker

from .errors import InvalidInput

EMAIL_MAX = 254
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
PHONE = re.compile(r"(0|\+84)[0-9]{9,10}")


def valid_email(value: object) -> bool:
    """local@domain.tld in plain ASCII: no spaces, control characters or quoting."""
    if not isinstance(value, str) or len(value) > EMAIL_MAX or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    labels = domain.split(".")
    return (len(local) <= 64 and _LOCAL.fullmatch(local) is not None and len(labels) >= 2
            and all(_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit())


def valid_phone(value: object) -> bool:
    """A Vietnamese number: 0 or +84, then 9 or 10 digits."""
    return isinstance(value, str) and PHONE.fullmatch(value) is not None


def contact_errors(email: str | None, phone: str | None) -> dict[str, list[str]]:
    """What is wrong with the given e-mail and phone (None or '' means not given)."""
    errors: dict[str, list[str]] = {}
    if email and not valid_email(email):
        errors["email"] = ["not an e-mail address (name@example.vn)"]
    if phone and not valid_phone(phone):
        errors["phone"] = ["not a phone number (0 or +84, then 9–10 digits)"]
    return errors


def checked_contacts(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    """The e-mail and phone stripped (None when empty); InvalidInput names each bad one."""
    email, phone = (email or "").strip() or None, (phone or "").strip() or None
    errors = contact_errors(email, phone)
    if errors:
        raise InvalidInput("invalid contact details", errors)
    return email, phone


# The checker every form schema is validated with: "email" as strict as accounts.
FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("email")(valid_email)
