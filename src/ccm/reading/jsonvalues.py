"""JSON values from outside files: parsed by orjson, then held to ccm's own bounds.

orjson refuses what is not JSON, numbers that overflow a double and nesting past 1024; ccm
also refuses nesting past `Limits.depth` (no FHIR resource nests half as deep) and the NUL
character (`\\u0000`), which PostgreSQL cannot store in text: one NUL must refuse its own
record, not fail the whole import at the database.
"""

from __future__ import annotations

import codecs
from typing import Any

import orjson

from ccm.reading.limits import DEFAULT_LIMITS, Limits
from ccm.reading.text import sniff_encoding

_NUL_ESCAPE = b"\\u0000"
#: Every byte but the brackets and the quote: deleted to leave a line's structure.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')
#: Every byte but the opening brackets and the backslash: what `loads_bounded` counts.
_NOT_MARKS = bytes(b for b in range(256) if b not in b"{[\\")


class JsonRefused(ValueError):
    """A JSON value ccm will not take; the message says why, never what it held."""


def loads_bounded(
    raw: bytes | bytearray, limits: Limits = DEFAULT_LIMITS, *, whole: bool = True
) -> Any:
    """The value of RAW (UTF-8 JSON), or JsonRefused saying what is wrong with it. With
    WHOLE false only the parse is checked: the caller checks each part (`refusal`), so one
    entry of a Bundle with a NUL refuses that entry, not the Bundle."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise JsonRefused(f"not valid JSON ({error.msg})") from None
    if whole:
        # One pass at C speed keeps the opening brackets and backslashes (most lines stop
        # here): nesting needs as many opening brackets, a NUL (`\\u0000`) a backslash.
        marks = raw.translate(None, _NOT_MARKS)
        escapes = marks.count(b"\\")
        if len(marks) - escapes <= limits.depth and not escapes:
            return value
        may_nest = len(marks) - escapes > limits.depth and not shallow_text(raw, limits.depth)
        nul = escapes > 0 and _NUL_ESCAPE in raw
        reason = refusal(value, limits, may_nest=may_nest, may_hold_nul=nul)
        if reason:
            raise JsonRefused(reason)
    return value


def may_hold_nul(raw: bytes | bytearray) -> bool:
    """Whether RAW could hold a NUL character (an escaped one: JSON allows no raw NUL)."""
    return _NUL_ESCAPE in raw


def refusal(
    value: Any, limits: Limits, *, may_nest: bool = True, may_hold_nul: bool = True
) -> str | None:
    """Why VALUE (a parsed resource) cannot be kept, or None: nesting, a NUL character."""
    if may_nest and too_deep(value, limits.depth):
        return f"nested deeper than {limits.depth} levels"
    if may_hold_nul and has_nul(value):
        return "contains a NUL character (\\u0000), which cannot be stored"
    return None


def shallow_text(raw: bytes | bytearray, limit: int) -> bool:
    """True when the JSON text RAW (orjson has parsed it) surely nests no deeper than LIMIT;
    False when that is not sure (then `too_deep` walks the value).

    At C speed, for the lines with many brackets (claims, explanations of benefit): the walk
    in Python was the reading layer's largest cost (bench/RESULTS.md, "import"). Escaped
    backslashes, then escaped quotes, are cut; every byte but brackets and quotes is deleted;
    adjacent quotes are cut (that keeps which brackets lie inside strings). If no quote is
    left, no bracket was in a string and what is left is the structure: each pass deleting
    the innermost `{}` then `[]` lowers its depth by one or two, so emptying it in LIMIT // 2
    passes proves a depth of at most LIMIT."""
    text = raw
    if b"\\" in raw:  # a one-byte search; the two-byte ones cost more (claims have none)
        text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in text:  # a bracket inside a string: only the walk can tell
        return False
    for _ in range(limit // 2):
        if not text:
            return True
        text = text.replace(b"{}", b"").replace(b"[]", b"")
    return not text


def too_deep(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest in VALUE deeper than LIMIT (the top level is 1)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if type(item) is dict else item if type(item) is list else ()
        for child in children:
            if type(child) is dict or type(child) is list:
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def has_nul(value: Any) -> bool:
    """Whether a string anywhere in VALUE (keys included) holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if "\x00" in item:
                return True
        elif type(item) is dict:
            stack.extend(item.keys())
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def utf8_json(data: bytearray) -> bytearray:
    """A JSON document as UTF-8: a UTF-8 BOM dropped, UTF-16 or UTF-32 (RFC 8259 forbids
    them, but Windows tools write them) re-encoded; JsonRefused if it does not decode."""
    if data.startswith(codecs.BOM_UTF8):
        del data[:3]
        return data
    encoding = sniff_encoding(bytes(data[:512]))
    if encoding is None or encoding == "utf-8-sig":
        return data
    try:
        return bytearray(data.decode(encoding).removeprefix("\ufeff").encode())
    except UnicodeError:
        raise JsonRefused(f"not valid {encoding.upper()} text") from None
