"""Stream FHIR R4 JSON resources out of Bundles and bulk-data NDJSON, files or folders, gzip or plain.

Pure and flat in memory: NDJSON is read one line at a time (never a whole bulk file), and a
Bundle, which JSON forces us to parse whole, yields its entries one by one.  Every item names
where it came from (``file:line`` or ``file#entry``) so a rejection can point at it.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

#: Resource types read before the others, so references to them resolve in one run.
FIRST_TYPES = ("Organization", "Practitioner", "Patient")
_SUFFIXES = (".json", ".json.gz", ".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz")
#: The UTF-8 byte order mark some Windows tools put first in a file; JSON parsers refuse it.
BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Item:
    """One resource (or one unreadable line) and where it came from (not frozen: made once a
    line, and a frozen dataclass's __init__ costs four times as much)."""

    source: str
    resource: dict[str, Any] | None
    error: str | None = None
    skipped_type: str = ""  # set, with no resource, for lines of a type the caller does not keep
    count: int = 1  # how many such lines in a row (from `source` on) this item stands for


def _is_input(path: Path) -> bool:
    return path.name.lower().endswith(_SUFFIXES) and not path.name.startswith(".")


def _is_ndjson(path: Path) -> bool:
    """One resource a line: .ndjson as $export names it, or .jsonl (JSON Lines), any case."""
    name = path.name.lower()
    return ".ndjson" in name or ".jsonl" in name


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _first_type(path: Path) -> str:
    """The resourceType of an NDJSON file's first line, to read Patients before what cites them;
    when that line cannot tell, the file's name as $export writes it (Patient.000.ndjson)."""
    try:
        with _open(path) as stream:
            line = stream.readline().removeprefix(BOM)
        value = orjson.loads(line)
    except (OSError, EOFError, orjson.JSONDecodeError):
        value = None
    kind = value.get("resourceType") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else path.name.split(".", 1)[0]


_RESOURCE_TYPE = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')


def _json_type(path: Path) -> str | None:
    """The first resourceType other than Bundle in a JSON file's first 4 KB: a single
    resource's own type, or a Bundle's first entry's. A folder of Patient-x.json,
    Condition-y.json… or of one searchset Bundle a type (Condition.json, Patient.json) is
    so read Patients first; a Bundle orders its own entries."""
    try:
        with _open(path) as stream:
            head = stream.read(4096)
    except (OSError, EOFError):
        return None
    kinds = (m.group(1).decode() for m in _RESOURCE_TYPE.finditer(head))
    return next((kind for kind in kinds if kind != "Bundle"), None)


def _priority(path: Path) -> tuple[int, str]:
    kind = _first_type(path) if _is_ndjson(path) else _json_type(path)
    rank = FIRST_TYPES.index(kind) if kind in FIRST_TYPES else len(FIRST_TYPES)
    return rank, str(path)


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read, folders expanded, NDJSON of Organizations/Practitioners/Patients first."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and _is_input(p))
        else:
            found.append(path)
    return sorted(found, key=_priority)


def _entry_rank(resource: Any) -> int:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    return FIRST_TYPES.index(kind) if kind in FIRST_TYPES else len(FIRST_TYPES)


_TYPE_PREFIX = b'{"resourceType":"'


def _type_prefix(line: bytes) -> bytes:
    """`{"resourceType":"Kind"` of a line written as $export writes it (type first), else b"".

    Most of a bulk export (DocumentReference, Procedure, Claim…) is not kept; reading the type
    off the line's first bytes spares parsing it whole (bench/RESULTS.md, "import").
    """
    end = line.find(b'"', len(_TYPE_PREFIX), 80) if line.startswith(_TYPE_PREFIX) else -1
    return line[: end + 1] if end > len(_TYPE_PREFIX) else b""


def read_ndjson(path: Path, label: str, keep: Container[str] | None = None) -> Iterator[Item]:
    """One resource a line, as a FHIR $export writes it; blank lines are skipped.

    With ``keep``, lines of other types come back unparsed, a run of them as one
    ``Item(skipped_type=…, count=…)``: an $export file holds one type, so a file of a type
    not kept costs a prefix test a line (bench/RESULTS.md, "import").
    """
    skip_kind, skipped, first = "", 0, 0
    skip_prefix: bytes | tuple[bytes, ...] = ()  # startswith(()) is never true
    kept_prefix: bytes | tuple[bytes, ...] = ()  # the last kept line's type, tested once a line
    with _open(path) as stream:
        for number, line in enumerate(stream, start=1):
            if line.startswith(skip_prefix):
                first = first if skipped else number
                skipped += 1
                continue
            if skipped:
                yield Item(f"{label}:{first}", None, skipped_type=skip_kind, count=skipped)
                skipped = 0
            if number == 1:
                line = line.removeprefix(BOM)
            if not line or line.isspace():
                continue
            source = f"{label}:{number}"
            if keep is not None and not line.startswith(kept_prefix):
                prefix = _type_prefix(line)
                kind = prefix[len(_TYPE_PREFIX) : -1].decode("ascii", "replace")
                if kind and kind not in keep:
                    skip_kind, skipped, first, skip_prefix = kind, 1, number, prefix
                    continue
                kept_prefix = prefix or ()  # startswith(b"") would always be true
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield Item(source, None, f"not valid JSON ({error.msg})")
                continue
            if not isinstance(value, dict):
                yield Item(source, None, "a line must hold one JSON object (a FHIR resource)")
                continue
            yield Item(source, value)
    if skipped:
        yield Item(f"{label}:{first}", None, skipped_type=skip_kind, count=skipped)


def read_json(path: Path, label: str) -> Iterator[Item]:
    """A single resource or a Bundle (transaction, collection, searchset, batch)."""
    try:
        with _open(path) as stream:
            value = orjson.loads(stream.read().removeprefix(BOM))
    except (orjson.JSONDecodeError, EOFError, gzip.BadGzipFile) as error:
        yield Item(label, None, f"not valid JSON ({getattr(error, 'msg', error)})")
        return
    if not isinstance(value, dict):
        yield Item(label, None, "the file must hold one JSON object (a resource or Bundle)")
        return
    if value.get("resourceType") != "Bundle":
        yield Item(label, value)
        return
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        yield Item(label, None, "Bundle.entry: must be a list")
        return
    numbered = list(enumerate(entries))
    numbered.sort(
        key=lambda pair: _entry_rank(pair[1].get("resource") if isinstance(pair[1], dict) else None)
    )
    for index, entry in numbered:
        source = f"{label}#{index}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield Item(source, None, "Bundle.entry: has no resource")
            continue
        if "id" not in resource and isinstance(entry.get("fullUrl"), str):
            # transaction bundles may give only a fullUrl (urn:uuid:…); it is the entry's identity
            full_url = entry["fullUrl"]
            if full_url.startswith("urn:uuid:"):
                resource = {**resource, "id": full_url[len("urn:uuid:") :]}
        yield Item(source, resource)


def read_file(
    path: Path, label: str | None = None, keep: Container[str] | None = None
) -> Iterator[Item]:
    """Resources of one file, by its kind (NDJSON or JSON, gzip or plain)."""
    name = label or path.name
    if not path.is_file():
        yield Item(name, None, "no such file")
        return
    try:
        if _is_ndjson(path):
            yield from read_ndjson(path, name, keep)
        else:
            yield from read_json(path, name)
    except (OSError, EOFError) as error:
        yield Item(name, None, f"cannot read the file ({error.__class__.__name__})")


def read_resources(paths: Iterable[str | Path]) -> Iterator[Item]:
    """Every resource of every input, Patients before what refers to them where the layout allows."""
    for path in input_files(paths):
        yield from read_file(path)
