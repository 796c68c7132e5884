"""Numbers from outside files, read as the standards write them and bounded.

X12's R type (X12.6) and FHIR's decimal are digits with an optional sign and point. An
exponent is refused: `1E+9999999` is a one-kilobyte way to make `int(Decimal(…))` spin for
minutes, and `1e400` a way to store infinity in a ledger. So are NaN, infinity, non-ASCII
digits and more than `Limits.digits` digits.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ccm.reading.limits import DEFAULT_LIMITS

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


class NumberError(ValueError):
    """A number ccm will not read; the message names the field (never the whole record)."""


def parse_decimal(text: str, field: str, digits: int = DEFAULT_LIMITS.digits) -> Decimal:
    """TEXT as a Decimal: `-12.50`, `100`, `.5`; never an exponent, NaN or infinity, and at
    most DIGITS digits (surrounding spaces are allowed)."""
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise NumberError(f"{field}: {shown!r} is not a decimal number (digits and a point)")
    if len(value) - value.count(".") - (value[0] in "+-") > digits:
        raise NumberError(f"{field}: more than {digits} digits")
    return Decimal(value)


def parse_whole(text: str, field: str, digits: int = DEFAULT_LIMITS.digits) -> int:
    """TEXT as a whole number (a count of units): `3`, `3.0`; a fraction is refused."""
    number = parse_decimal(text, field, digits)
    if number != number.to_integral_value():
        raise NumberError(f"{field}: {text.strip()!r} is not a whole number")
    return int(number)


def json_decimal(value: object, field: str, digits: int = DEFAULT_LIMITS.digits) -> Decimal:
    """A JSON number (orjson's int or float) or numeric string as a bounded Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise NumberError(f"{field}: not a number")
    if isinstance(value, str):
        return parse_decimal(value, field, digits)
    if isinstance(value, float) and not math.isfinite(value):
        raise NumberError(f"{field}: not a finite number")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number and not -digits < number.adjusted() < digits:
        raise NumberError(f"{field}: out of range (more than {digits} digits)")
    return number
