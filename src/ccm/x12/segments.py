"""Segments and delimiters shared by our X12 writers and readers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
TERMINATOR = "~"

_UNSAFE = re.compile(r"[*:^~\r\n]")


def text(value: object) -> str:
    """An element value with our delimiters removed and X12's upper case (free text cannot escape)."""
    return _UNSAFE.sub(" ", str(value)).strip().upper()


def money(amount: Decimal) -> str:
    """An amount as X12 writes it: two places, no leading plus."""
    return f"{amount.quantize(Decimal('0.01'))}"


def date8(day: dt.date) -> str:
    """CCYYMMDD."""
    return day.strftime("%Y%m%d")


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
    """Split an interchange into segments of elements, reading the delimiters from its ISA."""
    start = raw.find("ISA")
    if start < 0 or len(raw) < start + 106:
        raise ValueError("not an X12 interchange: no ISA header")
    element = raw[start + 3]
    component = raw[start + 104]
    terminator = raw[start + 105]
    segments = []
    for chunk in raw[start:].split(terminator):
        chunk = chunk.strip()
        if chunk:
            segments.append(chunk.split(element))
    return segments, component
