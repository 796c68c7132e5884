"""How much of an outside file ccm reads before refusing it, and the error that says so.

Every reader of outside data (FHIR JSON and NDJSON, CSV, C-CDA, HL7v2, X12) takes a `Limits`:
each bound stops one way a hostile or broken file could exhaust memory or time. The defaults
are far above what a real EMR export needs (docs/security.md, "Hostile input"); the web layer
builds its own from the environment (`CCM_LIMIT_*`).
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one input; a file past one is refused with an `InputError` naming the bound."""

    #: bytes of one file once decompressed: streamed files (NDJSON, CSV) cost time, not memory
    file_bytes: int = 16 * GIB
    #: how many times its own size a gzip file may expand (JSON and CSV expand 5 to 30 times;
    #: a bomb of zeros a thousand): checked once 16 MiB have come out
    expansion: int = 200
    #: bytes of a document parsed whole (a JSON resource or Bundle, a C-CDA, an X12 interchange):
    #: what it costs in memory is several times this
    document_bytes: int = 128 * MIB
    #: bytes of one line or record (an NDJSON resource, a CSV row, an HL7v2 segment)
    line_bytes: int = 16 * MIB
    #: characters of one CSV field (a name, a code, a note)
    field_chars: int = 64 * KIB
    #: nesting of JSON objects and arrays, or of XML elements
    depth: int = 64
    #: entries of one document (Bundle entries, HL7v2 segments, X12 segments)
    entries: int = 1_000_000
    #: files of one import (folders expanded)
    files: int = 100_000
    #: significant digits of a decimal amount or quantity (X12's R type allows 18: X12.6)
    digits: int = 18


DEFAULT_LIMITS = Limits()


class InputError(ValueError):
    """A file ccm cannot read as a whole (corrupt, too large, not text): the run ends with this
    message, which names the file, the line or record, and what is wrong, never a value read."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


def size_text(count: int) -> str:
    """A byte count as people read it: 2 GiB, 128 MiB, 64 KiB, 100 bytes."""
    for unit, name in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count:,} bytes"
