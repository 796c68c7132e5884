"""Stream FHIR R4 JSON resources out of Bundles and bulk-data NDJSON, files or folders, gzip or plain.

Pure and flat in memory: NDJSON is read one line at a time (never a whole bulk file), and a
Bundle, which JSON forces us to parse whole, yields its entries one by one.  Every item names
where it came from (``file:line`` or ``file#entry``) so a rejection can point at it.  Files are
opened, bounded and parsed through `ccm.reading`: a line or resource it refuses (too long, too
deep, a NUL) is a rejection; a file it cannot read (corrupt gzip, past the size bound) raises
its `InputError`, which ends the run with that message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccm.reading import (
    DEFAULT_LIMITS,
    InputError,
    JsonRefused,
    Limits,
    bounded_lines,
    expand_paths,
    loads_bounded,
    may_hold_nul,
    open_input,
    read_document,
    refusal,
    sniff_encoding,
    too_long,
    utf8_json,
)

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
    note: str = ""  # a warning about how the resource was read (an id made from its content)


def _is_input(path: Path) -> bool:
    """A JSON or NDJSON file of a folder; not a bulk export's own log (`log.ndjson`, the Bulk
    Data IG's record of the export, no resources in it)."""
    name = path.name.lower()
    return name.endswith(_SUFFIXES) and not name.startswith(".") and name != "log.ndjson"


def _is_ndjson(path: Path) -> bool:
    """One resource a line: .ndjson as $export names it, or .jsonl (JSON Lines), any case."""
    name = path.name.lower()
    return ".ndjson" in name or ".jsonl" in name


_RESOURCE_TYPE = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')


def _head_type(path: Path) -> str | None:
    """The first resourceType other than Bundle in a file's first 4 KB: an NDJSON file's (its
    first line's), a single resource's own type, or a Bundle's first entry's. A folder of
    Patient-x.json, Condition-y.json… or of one searchset Bundle a type is so read Patients
    first; a Bundle orders its own entries. An unreadable file says nothing here: reading it
    names the fault."""
    try:
        with open_input(path) as stream:
            head = stream.read(4096)
    except InputError:
        return None
    kinds = (m.group(1).decode() for m in _RESOURCE_TYPE.finditer(head))
    return next((kind for kind in kinds if kind != "Bundle"), None)


def _priority(path: Path) -> tuple[int, str]:
    kind = _head_type(path)
    if kind is None and _is_ndjson(path):
        kind = path.name.split(".", 1)[0]  # as $export names it: Patient.000.ndjson
    rank = FIRST_TYPES.index(kind) if kind in FIRST_TYPES else len(FIRST_TYPES)
    return rank, str(path)


def input_files(paths: Iterable[str | Path], limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """The files to read, folders expanded, NDJSON of Organizations/Practitioners/Patients first."""
    return sorted(expand_paths(paths, limits, _is_input), key=_priority)


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


def read_ndjson(
    path: Path,
    label: str,
    keep: Container[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    hints: Mapping[str, re.Pattern[bytes]] | None = None,
) -> Iterator[Item]:
    """One resource a line, as a FHIR $export writes it; blank lines are skipped.

    With ``keep``, lines of other types come back unparsed, a run of them as one
    ``Item(skipped_type=…, count=…)``: an $export file holds one type, so a file of a type
    not kept costs a prefix test a line (bench/RESULTS.md, "import"). With ``hints`` (type →
    pattern, `ccm.fhir.mapping.LINE_HINTS`), a line of a kept type that holds no backslash and
    does not match its type's pattern is passed over the same way: the mapping would keep
    nothing of it (Observations of codes ccm does not keep, most of an export's lines).
    """
    run_kind, run, first = "", 0, 0  # the run of lines passed over unparsed
    skip_kind = ""  # the last type not kept, and its prefix: startswith(()) is never true
    skip_prefix: bytes | tuple[bytes, ...] = ()
    kept_prefix: bytes | tuple[bytes, ...] = ()  # the last kept line's type, tested once a line
    kept_kind, hint = "", None  # that type, and its pattern when it has one
    with open_input(path, label, limits) as stream:
        encoding = sniff_encoding(stream.peek(512)[:512])
        if encoding not in (None, "utf-8-sig"):
            raise InputError(label, f"{encoding.upper()} text: NDJSON must be UTF-8")
        for number, line in bounded_lines(stream, label, limits.line_bytes):
            passed = ""
            if line is not None:
                if number == 1:
                    line = line.removeprefix(BOM)
                if line.startswith(skip_prefix):
                    passed = skip_kind
                elif keep is not None and not line.startswith(kept_prefix):
                    prefix = _type_prefix(line)
                    kind = prefix[len(_TYPE_PREFIX) : -1].decode("ascii", "replace")
                    if kind and kind not in keep:
                        passed = skip_kind = kind
                        skip_prefix = prefix
                    else:
                        kept_prefix = prefix or ()  # startswith(b"") would always be true
                        kept_kind = kind
                        hint = hints.get(kind) if hints and prefix else None
                if (
                    not passed
                    and hint is not None
                    and line.startswith(kept_prefix)
                    and hint.search(line) is None
                    and b"\\" not in line
                ):
                    passed = kept_kind  # the mapping would keep nothing of it
            if passed and run and passed == run_kind:
                run += 1
                continue
            if run:
                yield Item(f"{label}:{first}", None, skipped_type=run_kind, count=run)
                run = 0
            if passed:
                run_kind, run, first = passed, 1, number
                continue
            source = f"{label}:{number}"
            if line is None:
                yield Item(source, None, too_long(limits.line_bytes))
                continue
            if not line or line.isspace():
                continue
            try:
                value = loads_bounded(line, limits)
            except JsonRefused as error:
                yield Item(source, None, str(error))
                continue
            if not isinstance(value, dict):
                yield Item(source, None, "a line must hold one JSON object (a FHIR resource)")
                continue
            yield Item(source, value)
    if run:
        yield Item(f"{label}:{first}", None, skipped_type=run_kind, count=run)


def read_json(path: Path, label: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """A single resource or a Bundle (transaction, collection, searchset, batch)."""
    raw = read_document(path, label, limits)
    try:  # each resource is held to the bounds apart: one bad entry refuses itself only
        raw = utf8_json(raw)  # a UTF-16 mark before bytes that are not UTF-16 is refused here
        value = loads_bounded(raw, limits, whole=False)
    except JsonRefused as error:
        yield Item(label, None, str(error))
        return
    nul = may_hold_nul(raw)
    if not isinstance(value, dict):
        yield Item(label, None, "the file must hold one JSON object (a resource or Bundle)")
        return
    if value.get("resourceType") != "Bundle":
        reason = refusal(value, limits, may_hold_nul=nul)
        yield Item(label, None, reason) if reason else Item(label, value)
        return
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        yield Item(label, None, "Bundle.entry: must be a list")
        return
    if len(entries) > limits.entries:
        yield Item(label, None, f"Bundle.entry: more than {limits.entries:,} entries")
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
        reason = refusal(resource, limits, may_hold_nul=nul)
        if reason:
            yield Item(source, None, reason)
            continue
        note = ""
        if "id" not in resource and isinstance(entry.get("fullUrl"), str):
            # transaction bundles may give only a fullUrl (urn:uuid:…); it is the entry's identity
            full_url = entry["fullUrl"]
            if full_url.startswith("urn:uuid:"):
                resource = {**resource, "id": full_url[len("urn:uuid:") :]}
        if "id" not in resource and resource.get("resourceType") != "Patient":
            # DSTU2 collection Bundles leave some entries with neither id nor fullUrl: the
            # content is their identity (the same entry again is the same fact)
            digest = hashlib.blake2b(
                orjson.dumps(resource, option=orjson.OPT_SORT_KEYS), digest_size=12
            )
            resource = {**resource, "id": "content-" + digest.hexdigest()}
            note = f"{resource.get('resourceType')}.id: missing; an id made from the content"
        yield Item(source, resource, note=note)


def read_file(
    path: Path,
    label: str | None = None,
    keep: Container[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    hints: Mapping[str, re.Pattern[bytes]] | None = None,
) -> Iterator[Item]:
    """Resources of one file, by its kind (NDJSON or JSON, gzip or plain); `InputError` when
    the file itself cannot be read. KEEP and HINTS: `read_ndjson`."""
    name = label or path.name
    if not path.is_file():
        yield Item(name, None, "no such file")
        return
    if _is_ndjson(path):
        yield from read_ndjson(path, name, keep, limits, hints)
    else:
        yield from read_json(path, name, limits)


def read_resources(paths: Iterable[str | Path], limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Every resource of every input, Patients before what refers to them where the layout allows."""
    for path in input_files(paths, limits):
        yield from read_file(path, limits=limits)
