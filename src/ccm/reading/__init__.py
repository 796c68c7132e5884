"""Bounded reading of outside files: every reader of EMR, clearinghouse and operator files
(FHIR, NDJSON, CSV, C-CDA, HL7v2, X12) opens, decodes and parses through here, so one set of
limits and one kind of error hold for all of them (docs/security.md, "Hostile input")."""

from ccm.reading.jsonvalues import (
    JsonRefused,
    has_nul,
    loads_bounded,
    may_hold_nul,
    refusal,
    utf8_json,
)
from ccm.reading.limits import DEFAULT_LIMITS, GIB, KIB, MIB, InputError, Limits, size_text
from ccm.reading.numbers import NumberError, json_decimal, parse_decimal, parse_whole
from ccm.reading.paths import expand_paths
from ccm.reading.streams import GZIP_MAGIC, bounded_lines, open_input, read_document
from ccm.reading.text import Line, check_encoding, sniff_encoding, text_lines, too_long

__all__ = [
    "DEFAULT_LIMITS",
    "GIB",
    "GZIP_MAGIC",
    "KIB",
    "MIB",
    "InputError",
    "JsonRefused",
    "Limits",
    "Line",
    "NumberError",
    "bounded_lines",
    "check_encoding",
    "expand_paths",
    "has_nul",
    "json_decimal",
    "loads_bounded",
    "may_hold_nul",
    "open_input",
    "parse_decimal",
    "parse_whole",
    "read_document",
    "refusal",
    "size_text",
    "sniff_encoding",
    "text_lines",
    "too_long",
    "utf8_json",
]
