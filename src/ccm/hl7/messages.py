"""HL7v2 messages to ccm's records: ADT A01/A03/A04/A08 and ORU^R01, parsed with python-hl7.

A file holds one message or many: plain segment files (segments ended by CR, LF or CRLF,
each message starting with MSH) or MLLP-framed (`<VT>message<FS><CR>`, as interfaces send
and log them). Bounds come from `ccm.reading`: the file's size (`read_document`), a segment's
length (`Limits.line_bytes`) and the segments of a message (`Limits.entries`); a NUL byte
refuses its message. Text is UTF-8 unless MSH-18 or the bytes say otherwise (Windows-1252,
what most v2 feeds that are not ASCII send).

What is kept: the patient (PID), an encounter per visit of an ADT message (PV1: admissions,
discharges and emergency visits, for the outcome reports), and the measurements of an ORU
(OBX with a LOINC code ccm keeps: blood pressure, HbA1c, weight, BMI). A message is read
whole or not at all: one that does not parse, or whose patient has no identity, is one
rejection naming the file, the line where the message starts and the segment and field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import hl7  # type: ignore[import-untyped]

from ccm.ccda.document import DIASTOLIC, MEASURES, SYSTOLIC
from ccm.facts import Fact, Latest
from ccm.fhir.records import (
    EncounterRecord,
    ObservationRecord,
    PatientRecord,
    PatientRef,
    Rejected,
)
from ccm.fhir.states import state_code
from ccm.identifiers import Identifier, choose, is_mbi_system, is_ssn
from ccm.reading import (
    DEFAULT_LIMITS,
    InputError,
    Limits,
    NumberError,
    expand_paths,
    parse_decimal,
    read_document,
)

START, END = b"\x0b", b"\x1c"
ADT_EVENTS = {"A01", "A03", "A04", "A08"}
#: PV1-2 patient class (HL7 table 0004) to the encounter classes ccm keeps.
PATIENT_CLASS = {"E": "EMER", "I": "IMP", "O": "AMB", "R": "AMB", "B": "IMP"}
_SEX = {"F": "female", "M": "male", "U": "unknown", "O": "other", "A": "other", "N": "unknown"}
#: Results ccm keeps: final, corrected and amended (HL7 table 0085); others are skipped.
FINAL = {"F", "C", "A"}
READ_SEGMENTS = {b"MSH", b"EVN", b"PID", b"PV1", b"OBR", b"OBX"}
_CHARSETS = {"UNICODE UTF-8": "utf-8", "8859/1": "latin-1", "ASCII": "ascii"}


@dataclass(slots=True)
class Raw:
    """One message's bytes and the line of its file where it starts."""

    line: int
    data: bytes


def split_messages(
    data: bytes | bytearray, label: str, limits: Limits = DEFAULT_LIMITS
) -> list[Raw]:
    """The messages of a file, MLLP-framed or plain; `InputError` for a file that holds none."""
    text = bytes(data)
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    pieces = _framed(text) if START in text[:64] or END in text else _plain(text)
    if not pieces:
        raise InputError(label, "no HL7v2 message (no segment starts with MSH)")
    return pieces


class _Lines:
    """Line numbers of increasing offsets in TEXT, counted once (LF ends lines, else CR)."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.newline = b"\n" if b"\n" in text else b"\r"
        self.offset, self.line = 0, 1

    def at(self, offset: int) -> int:
        self.line += self.text.count(self.newline, self.offset, offset)
        self.offset = offset
        return self.line


def _framed(text: bytes) -> list[Raw]:
    found = []
    lines = _Lines(text)
    for match in re.finditer(rb"\x0b(.*?)(?:\x1c\r?|\Z)", text, re.DOTALL):
        body = match.group(1).strip(b"\r\n")
        if body:
            found.append(Raw(lines.at(match.start(1)), body))
    return found


def _plain(text: bytes) -> list[Raw]:
    found: list[Raw] = []
    lines = _Lines(text)
    starts = [m.start() for m in re.finditer(rb"(?:^|(?<=[\r\n]))MSH", text)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        found.append(Raw(lines.at(start), text[start:end].strip(b"\r\n")))
    return found


def _decode(raw: bytes) -> str:
    """MSH-18's character set if it names one, else UTF-8, else Windows-1252."""
    head = raw.split(b"\r", 1)[0].split(b"\n", 1)[0]
    fields = head.split(head[3:4] or b"|")
    declared = fields[17].decode("ascii", "replace").strip().upper() if len(fields) > 17 else ""
    encoding = _CHARSETS.get(declared, "")
    if encoding:
        return raw.decode(encoding, "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def parse(raw: Raw, label: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The python-hl7 message of RAW; `Rejected` naming what is wrong."""
    if b"\x00" in raw.data:
        raise Rejected("message: holds a NUL byte")
    segments = re.split(rb"\r\n|\r|\n", raw.data)
    if len(segments) > limits.entries:
        raise Rejected(f"message: more than {limits.entries:,} segments")
    longest = max(len(s) for s in segments)
    if longest > limits.line_bytes:
        raise Rejected(f"message: a segment longer than {limits.line_bytes:,} bytes")
    # only the segments ccm reads go to the parser: NK1, AL1, IN1, NTE… cost parse time for
    # nothing (python-hl7 builds a container per field and component)
    text = _decode(b"\r".join(s for s in segments if s[:3] in READ_SEGMENTS))
    if not text.startswith("MSH") or len(text) < 8:
        raise Rejected("MSH: the message does not start with an MSH segment")
    separator, end = text[3], text.find(text[3], 4)
    encoding = text[4:end] if end > 4 else ""
    marks = separator + encoding
    if (
        not 2 <= len(encoding) <= 5
        or len(set(marks)) != len(marks)
        or any(c.isalnum() or c.isspace() for c in marks)
    ):
        raise Rejected("MSH-1/MSH-2: the field separator and encoding characters are not usable")
    try:
        return hl7.parse(text)
    except (hl7.ParseException, IndexError, ValueError, AssertionError) as error:
        raise Rejected(f"MSH: not an HL7v2 message ({str(error)[:80]})") from None


# -- fields --------------------------------------------------------------------------------
def _at(node: Any, index: int) -> Any:
    if isinstance(node, str):
        return node if index == 0 else ""
    return node[index] if 0 <= index < len(node) else ""


def get(segment: Any, field: int, component: int = 1, repetition: int = 1) -> str:
    """SEGMENT-FIELD.COMPONENT of a repetition as text ("" when absent); first subcomponent."""
    if segment is None or field >= len(segment):
        return ""
    value = _at(_at(_at(segment[field], repetition - 1), component - 1), 0)
    return value.strip() if isinstance(value, str) else ""


def repetitions(segment: Any, field: int) -> int:
    if segment is None or field >= len(segment):
        return 0
    item = segment[field]
    return 1 if not item or isinstance(item[0], str) else len(item)


def _name(seg: Any) -> str:
    """A segment's name, read off the parsed field (str() of it would join its parts)."""
    head = seg[0] if len(seg) else ""
    return str(head[0]) if len(head) else ""


def segment(message: Any, name: str) -> Any:
    return next((s for s in message if _name(s) == name), None)


def ts(value: str, field: str, today: date | None = None) -> date:
    """An HL7 DTM/TS (YYYY[MM[DD[HHMM…]]][±ZZZZ]) as its date."""
    match = re.match(r"(\d{4})(\d{2})?(\d{2})?", value)
    if match is None:
        raise Rejected(f"{field}: {value[:30]!r} is not an HL7 date")
    try:
        parsed = date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
    except ValueError:
        raise Rejected(f"{field}: {value[:30]!r} is not a date") from None
    if today is not None and parsed > today:
        raise Rejected(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


# -- the patient ---------------------------------------------------------------------------
@dataclass(slots=True)
class Who:
    record: PatientRecord
    ref: PatientRef


def patient(pid: Any, today: date, configured_system: str = "") -> Who:
    """PID as a patient: identity by `ccm.identifiers` from PID-3 (CX.1 value, CX.4 assigning
    authority, CX.5 identifier type code), name, birth date, sex, address, phone, death."""
    if pid is None:
        raise Rejected("PID: missing")
    ids = []
    for number in range(1, repetitions(pid, 3) + 1):
        value = get(pid, 3, 1, number)
        if value:
            authority = get(pid, 3, 4, number)
            ids.append(
                Identifier(
                    value, authority, (get(pid, 3, 5, number),) if get(pid, 3, 5, number) else ()
                )
            )
    identity = choose(ids, "PID-3", configured_system)
    warnings = list(identity.warnings)
    mrn = identity.mrn
    if not mrn:
        usable = [
            i
            for i in ids
            if not is_ssn(i) and not is_mbi_system(i.system) and i.value != identity.mbi
        ]
        if not usable:
            raise Rejected("PID-3: no identifier other than a Social Security number or MBI")
        mrn = usable[0].value  # the EMR's first own id, as the warning from choose() says
    if len(mrn) > 64:
        raise Rejected("PID-3: MRN longer than 64 characters")
    family, given = get(pid, 5, 1), " ".join(p for p in (get(pid, 5, 2), get(pid, 5, 3)) if p)
    if not family and not given:
        raise Rejected("PID-5: has neither family nor given name")
    born = get(pid, 7)
    if not born:
        raise Rejected("PID-7: missing birth date")
    if not re.match(r"\d{8}", born):
        raise Rejected(f"PID-7: {born[:20]!r} is not a full date")
    birth = ts(born, "PID-7", today)
    deceased = None
    if get(pid, 29):
        deceased = ts(get(pid, 29), "PID-29", today)
        if deceased < birth:
            raise Rejected("PID-29: before the birth date")
    elif get(pid, 30).upper() == "Y":
        deceased = birth
        warnings.append(
            "PID-30: deceased with no date of death; treated as deceased for every month"
        )
    phone = get(pid, 13, 1) or "".join(p for p in (get(pid, 13, 6), get(pid, 13, 7)) if p)
    street = " ".join(p for p in (get(pid, 11, 1), get(pid, 11, 2)) if p)
    record = PatientRecord(
        source_id=f"mrn:{mrn}",
        mrn=mrn,
        given_name=given[:100],
        family_name=family[:100],
        birth_date=birth,
        sex=_SEX.get(get(pid, 8).upper(), "unknown"),
        phone=phone[:30],
        address_line=street[:200],
        city=get(pid, 11, 3)[:100],
        state=state_code(get(pid, 11, 4)[:60]),
        postal_code=get(pid, 11, 5)[:10],
        mbi=identity.mbi,
        deceased_date=deceased,
        warnings=tuple(warnings),
    )
    return Who(record, PatientRef(identifier=mrn))


# -- a message -----------------------------------------------------------------------------
def _key(*parts: object) -> str:
    text = "/".join(str(p) for p in parts)
    if len(text) <= 190:
        return text
    return "h:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def map_message(message: Any, source: str, today: date, configured_system: str = "") -> list[Fact]:
    """The facts of one parsed message; `Rejected` when the message as a whole cannot be read."""
    msh = segment(message, "MSH")
    kind, event = get(msh, 9, 1).upper(), get(msh, 9, 2).upper()
    control = get(msh, 10)
    if kind == "ADT" and event in ADT_EVENTS:
        who = patient(segment(message, "PID"), today, configured_system)
        facts = [Fact(source, "Patient", who.record.source_id, who.record)]
        return facts + _visit(message, source, who, event, control, today)
    if kind == "ORU" and event == "R01":
        # results are filed against a patient ccm has (from ADT, FHIR, CSV or C-CDA): a lab's
        # PID is often the bare minimum, and would overwrite the registration's demographics
        who = patient(segment(message, "PID"), today, configured_system)
        return _results(message, source, who, control, today)
    if kind == "ACK":
        return []  # an acknowledgement: nothing about a patient
    raise Rejected(
        f"MSH-9: {kind or '?'}^{event or '?'} is not a message ccm reads (ADT A01, A03, A04, A08; ORU^R01)"
    )


def _visit(
    message: Any, source: str, who: Who, event: str, control: str, today: date
) -> list[Fact]:
    """PV1 as an encounter, keyed by the visit number (PV1-19), else the message id."""
    pv1 = segment(message, "PV1")
    if pv1 is None:
        return []  # an A08 may update the patient alone
    visit = get(pv1, 19, 1) or get(segment(message, "PID"), 18, 1)
    source_id = _key(who.record.source_id, "visit", visit or f"msg:{control}")
    klass = PATIENT_CLASS.get(get(pv1, 2).upper(), "OTHER")
    when = get(pv1, 44) or get(segment(message, "EVN"), 6) or get(segment(message, "EVN"), 2)
    if not when and event == "A03":
        when = get(pv1, 45)
    when = when or get(segment(message, "MSH"), 7)
    try:
        day = ts(when, "PV1-44 (admit date)", today) if when else None
    except Rejected as error:
        return [Fact(source, "Encounter", source_id, None, str(error))]
    if day is None:
        return [
            Fact(
                source,
                "Encounter",
                source_id,
                None,
                "PV1-44: no admit date, and no EVN or MSH time",
            )
        ]
    record = EncounterRecord(
        source_id=source_id,
        patient=who.ref,
        date=day,
        encounter_class=klass,
        type_display={"EMER": "Emergency visit", "IMP": "Inpatient stay"}.get(klass, ""),
    )
    return [Fact(source, "Encounter", source_id, record)]


def _results(message: Any, source: str, who: Who, control: str, today: date) -> list[Fact]:
    """The OBX of each OBR kept as measurements; a systolic/diastolic pair is one pressure."""
    facts: list[Fact] = []
    order, order_time = "", ""
    group: list[Any] = []
    groups: list[tuple[str, str, list[Any]]] = []
    for seg in message:
        name = _name(seg)
        if name == "OBR":
            if group:
                groups.append((order, order_time, group))
            order = get(seg, 3, 1) or get(seg, 2, 1) or f"msg:{control}:{get(seg, 1)}"
            order_time, group = get(seg, 7), []
        elif name == "OBX":
            group.append(seg)
    if group:
        groups.append((order or f"msg:{control}", order_time, group))
    skipped = 0
    for order_id, when, observations in groups:
        pressure: dict[str, Any] = {}
        for obx in observations:
            code, system = get(obx, 3, 1), get(obx, 3, 3).upper()
            loinc = (
                code
                if system in ("LN", "LOINC", "")
                else get(obx, 3, 4)
                if get(obx, 3, 6).upper() == "LN"
                else ""
            )
            if get(obx, 11).upper() not in FINAL:
                skipped += 1
                continue
            if loinc in (SYSTOLIC, DIASTOLIC):
                pressure[loinc] = obx
                continue
            kind = MEASURES.get(loinc)
            if kind is None:
                skipped += 1
                continue
            source_id = _key(who.record.source_id, "obs", order_id, loinc, get(obx, 4))
            facts.append(_measure(source, source_id, who, kind, [obx], when, today))
        if pressure:
            source_id = _key(who.record.source_id, "obs", order_id, "bp")
            if SYSTOLIC not in pressure or DIASTOLIC not in pressure:
                missing = "diastolic 8462-4" if SYSTOLIC in pressure else "systolic 8480-6"
                facts.append(
                    Fact(
                        source,
                        "Observation",
                        source_id,
                        None,
                        f"OBX-3: blood pressure without its {missing}",
                    )
                )
            else:
                facts.append(
                    _measure(
                        source,
                        source_id,
                        who,
                        "blood_pressure",
                        [pressure[SYSTOLIC], pressure[DIASTOLIC]],
                        when,
                        today,
                    )
                )
    if skipped:
        facts.append(Fact(source, "Observation", "", None, None, skipped))
    return facts


def _measure(
    source: str, source_id: str, who: Who, kind: str, obxs: list[Any], when: str, today: date
) -> Fact:
    try:
        values: list[Decimal] = []
        for obx in obxs:
            number = get(obx, 1) or "?"
            if get(obx, 2).upper() not in ("NM", "SN", ""):
                raise Rejected(
                    f"OBX-2 (set {number}): a {get(obx, 2)} value where a number (NM) was expected"
                )
            raw = get(obx, 5, 2) if get(obx, 2).upper() == "SN" else get(obx, 5)
            try:
                value = parse_decimal(raw, f"OBX-5 (set {number})")
            except NumberError as error:
                raise Rejected(str(error)) from None
            if abs(value) >= 100000:
                raise Rejected(f"OBX-5 (set {number}): {raw!r} is out of range")
            values.append(value.quantize(Decimal("0.01")))
        day_text = get(obxs[0], 14) or when
        if not day_text:
            raise Rejected("OBX-14: no observation date, and none on the OBR (OBR-7)")
        day = ts(day_text, "OBX-14 (observation date)", today)
    except Rejected as error:
        return Fact(source, "Observation", source_id, None, str(error))
    record = ObservationRecord(
        source_id,
        who.ref,
        kind,
        day,
        values[0],
        values[1] if len(values) > 1 else None,
        get(obxs[0], 6, 1)[:20],
    )
    return Fact(source, "Observation", source_id, record)


def message_time(message: Any) -> str:
    """MSH-7, for ordering: the newest message's version of a record is the one kept."""
    return get(segment(message, "MSH"), 7)


@dataclass(slots=True)
class Read:
    """One message as read: its facts (or one rejection), its time and control id."""

    facts: list[Fact]
    time: str
    control: str
    parsed: Any = None


def read_message(
    raw: Raw, label: str, today: date, limits: Limits = DEFAULT_LIMITS, configured_system: str = ""
) -> Read:
    source = f"{label}:{raw.line}"
    try:
        message = parse(raw, label, limits)
    except Rejected as error:
        return Read([Fact(source, "Message", "", None, str(error))], "", "")
    control = get(segment(message, "MSH"), 10)
    try:
        facts = map_message(message, source, today, configured_system)
    except Rejected as error:
        facts = [Fact(source, "Message", control[:200], None, str(error))]
    return Read(facts, message_time(message), control, message)


_MSH_TIME = re.compile(rb"MSH\|[^|\r\n]*\|[^|\r\n]*\|[^|\r\n]*\|[^|\r\n]*\|[^|\r\n]*\|(\d+)")


def newest_time(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The latest MSH-7 in a file ("" when unreadable): files are read newest first."""
    try:
        data = read_document(path, path.name, limits)
    except InputError:
        return b""
    return max((m.group(1).ljust(14, b"0") for m in _MSH_TIME.finditer(data)), default=b"")


def input_files(paths: list[str | Path], limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """Files named, and the files of folders named (not hidden; any name: feeds log messages
    as .hl7, .txt, .msg or nothing), newest messages first."""
    found = expand_paths(paths, limits, lambda p: not p.name.startswith("."))
    timed = sorted(((newest_time(p, limits), str(p), p) for p in found), reverse=True)
    return [p for _time, _name, p in timed]


class Messages:
    """The messages of one import, newest first (see `ccm.facts.Latest`)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, configured_system: str = "") -> None:
        self.limits = limits
        self.configured_system = configured_system
        self.latest = Latest()

    def read(self, path: Path, today: date) -> list[Fact]:
        """Every message of one file, newest first (MSH-7; ties: later in the file first)."""
        label = path.name
        raws = split_messages(read_document(path, label, self.limits), label, self.limits)
        read = [read_message(r, label, today, self.limits, self.configured_system) for r in raws]
        order = sorted(range(len(read)), key=lambda i: (read[i].time, i), reverse=True)
        return self.latest.fresh([f for i in order for f in read[i].facts], label)


def ack_for(data: bytes, code: str, reason: str = "") -> bytes:
    """An ACK for the message DATA (MSA-1 CODE, MSA-3 REASON), as python-hl7 builds it; a
    minimal one when DATA does not parse (an AR cannot echo what it could not read)."""
    text = "".join(c if c.isprintable() and c not in "|^~\\&" else " " for c in reason)[:80]
    try:
        message = parse(Raw(1, data), "ACK")
        reply = message.create_ack(code)
        if text:
            reply.segment("MSA").assign_field(text, 3)
        return str(reply).encode("utf-8", "replace") + b"\r"
    except (Rejected, KeyError, IndexError, ValueError, TypeError):
        now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return f"MSH|^~\\&|CCM|CCM|||{now}||ACK|{now}|P|2.5.1\rMSA|{code}||{text}\r".encode()


__all__ = [
    "Messages",
    "ack_for",
    "Raw",
    "Read",
    "input_files",
    "map_message",
    "read_message",
    "split_messages",
]
