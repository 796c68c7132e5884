"""Segments, delimiters, characters and numbers shared by our X12 writers and readers.

Writing: every element is upper-case ASCII from X12's basic character set (names such as
"José Muñoz" are transliterated by anyascii, not refused, and never crash the writer).
Reading: the delimiters come from the ISA header, amounts follow X12's R (decimal) type
(no exponents, at most 18 digits), and every error is an X12Error naming the segment.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from anyascii import anyascii

from ccm.reading import NumberError, parse_decimal

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
TERMINATOR = "~"

#: X12's basic character set (X12.6 §3.3.1) less our four delimiters: what an element may hold.
BASIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"&'()+,-./;?="
_OUTSIDE_BASIC = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=]")
_SPACES = re.compile(r" {2,}")
#: A whole interchange as we write it: basic characters, our delimiters and line breaks.
_OUTSIDE_FILE = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=*:^~\n]")
MAX_DIGITS = 18  # X12's longest R element (amounts, 782) holds 18 digits


class X12Error(ValueError):
    """A file we cannot read as X12; the message names the segment and element at fault."""


def text(value: object) -> str:
    """An element value in X12's basic character set: transliterated to ASCII, upper case,
    anything else (our delimiters included) a space, so free text can neither escape nor fail."""
    raw = str(value)
    if not raw.isascii():
        raw = anyascii(raw)
    cleaned = _OUTSIDE_BASIC.sub(" ", raw.upper())
    return _SPACES.sub(" ", cleaned).strip()


def outside_basic(interchange: str) -> list[tuple[int, str]]:
    """Characters of a written interchange outside the basic set: (segment number, character)."""
    found = []
    for match in _OUTSIDE_FILE.finditer(interchange):
        number = interchange.count(TERMINATOR, 0, match.start()) + 1
        found.append((number, match.group()))
    return found


def money(amount: Decimal) -> str:
    """An amount as X12 writes it: two places, no leading plus."""
    return f"{amount.quantize(Decimal('0.01'))}"


def date8(day: dt.date) -> str:
    """CCYYMMDD."""
    return day.strftime("%Y%m%d")


def decimal(value: str, where: str) -> Decimal:
    """An X12 R (decimal) element: digits with an optional sign and point, at most 18 digits
    (ccm.reading's one rule for numbers from outside files).

    Exponents (1e400, 1E+9999999), NaN, Infinity and overlong numbers are errors naming
    WHERE: never an infinite amount stored, never an exponent expanded for minutes.
    """
    try:
        return parse_decimal(value, where, MAX_DIGITS)
    except NumberError as error:
        raise X12Error(str(error)) from None


def date_ccyymmdd(value: str, where: str) -> dt.date:
    """A CCYYMMDD date element."""
    if len(value) != 8 or not value.isdigit():
        raise X12Error(f"{where}: not a date CCYYMMDD: {value[:30]!r}")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise X12Error(f"{where}: not a date CCYYMMDD: {value!r}") from None


def segment(*elements: object) -> str:
    """One segment: trailing empty elements dropped, as the guide requires."""
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join(values) + TERMINATOR


def isa(
    sender_id: str,
    receiver_id: str,
    created: dt.datetime,
    control_number: int,
    usage: str,
    ack_requested: bool = False,
) -> str:
    """The fixed-width interchange header."""
    return segment(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        text(sender_id)[:15].ljust(15),
        "ZZ",
        text(receiver_id)[:15].ljust(15),
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        REPETITION,
        "00501",
        f"{control_number:09d}",
        "1" if ack_requested else "0",
        usage,
        COMPONENT,
    )


def split_segments(raw: str) -> tuple[list[list[str]], str]:
    """Split an interchange into segments of elements, reading the delimiters from its ISA.

    The file must begin with ISA (after white space or a byte-order mark); the ISA is
    106 characters of which the 4th, 105th and 106th are the delimiters.
    """
    start = len(raw) - len(raw.lstrip("\ufeff \t\r\n"))
    if raw[start : start + 3] != "ISA":
        raise X12Error("segment 1: not an X12 interchange: the file must begin with ISA")
    if len(raw) < start + 106:
        raise X12Error("segment 1 (ISA): the ISA header is cut short (106 characters)")
    element, component, terminator = raw[start + 3], raw[start + 104], raw[start + 105]
    delimiters = {element, component, terminator}
    if len(delimiters) < 3 or any(d.isalnum() or d == " " for d in delimiters):
        raise X12Error(
            "segment 1 (ISA): the delimiters (ISA's 4th, 105th and 106th characters) "
            "must be three different non-alphanumeric characters"
        )
    segments = []
    for chunk in raw[start:].split(terminator):
        chunk = chunk.strip()
        if chunk:
            segments.append(chunk.split(element))
    return segments, component
