"""The month close in batches: read the months as rows, decide the changed ones, write in bulk.

A patient whose revision (bumped by the database whenever one of the month's inputs changes:
ccmweb.sql.revises_patient) is the one its stored month was decided at, under the same
practice facts, policy and charges (MonthClose.inputs_key), is not rebuilt: its claim is read
to see whether it still agrees with the month and with where it was billed, and that is all.
A patient whose revision moved is rebuilt, and a month whose fingerprint (a digest of the
MonthCase the rules read, the patient facts the verdict reads, "billed elsewhere", and the
close's policy and charges) equals the stored one, and whose claim already agrees with its
status, is counted and only re-stamped: a second close with nothing changed reads revisions
and claims and decides nothing.

On PostgreSQL the batches are pipelined (bulk.Pipeline): while Python decides batch n, a
second thread, on the same connection and in the same transaction, COPYs batch n - 1 into
the tables; foreign keys are checked as each COPY ends (services.py). A close that is its own
outermost transaction also reads batch n + 1's inputs meanwhile, on a third thread with a
connection of its own (Reader).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from django.db import connection
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from ccm.codes.care_management import ADD_ON_BASES
from ccm.periods import BillingMonth
from ccm.rules.contract import result_to_json
from ccm.rules.fees import default_fees
from ccm.rules.institutional import institutional_month
from ccm.rules.month_fast import evaluate_month_fast
from ccm.types import Line, MonthCase, MonthResult
from ccmweb.ahead import ReadAhead
from ccmweb.patients.models import Patient
from ccmweb.sql import IdList
from ccmweb.tenants.models import Practice
from ccmweb.timelog.month_case import CaseRows, build_cases, read_case_rows

from .bulk import Pipeline, insert_rows, update_rows
from .models import BillingSettings, Claim, Denial, PatientMonth
from .settle import FirstClaims, PatientMonthRef, Settling, claim_rows, settle_claim

PATIENT_COLUMNS = ("id", "uid", "mbi", "part_b", "qmb", "address_line", "city", "state",
                   "postal_code", "revision")  # fmt: skip
BATCH = 10_000


def among(queryset: Any, lookup: str, column: str, values: list[str]) -> Any:
    """`column IN values`; on PostgreSQL `= ANY(one array)`: one parameter, not 10,000, and a
    plan that holds even while the table's statistics still say it is empty."""
    if connection.vendor == "postgresql":
        return queryset.extra(where=[f"{column} = ANY(%s::text[])"], params=[text_array(values)])
    return queryset.filter(**{f"{lookup}__in": values})


def text_array(values: list[str]) -> str:
    """VALUES as one PostgreSQL text[] literal, each quoted: psycopg adapts a list of strings
    one by one, each checked by a regular expression (a nothing-changed re-close of 20,000
    patients spent 0.25 s of its 2 s profiled in that for two lists of MBIs a batch)."""
    if not values:
        return "{}"
    joined = '","'.join(values)
    if "\\" in joined or '"' in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}'


class PatientRow:
    """The patient columns the close reads, standing in for the model (build_cases reads
    pk, practice, part_b and qmb; the verdict reads the MBI and the address)."""

    __slots__ = ("address_line", "city", "mbi", "part_b", "pk", "postal_code", "practice",
                 "qmb", "revision", "state", "uid")  # fmt: skip

    def __init__(self, practice: Practice, *row: Any) -> None:
        self.practice = practice
        (self.pk, self.uid, self.mbi, self.part_b, self.qmb, self.address_line, self.city,
         self.state, self.postal_code, self.revision) = row  # fmt: skip


@dataclass
class CloseRun:
    """What every batch of one close shares, and the running tally."""

    practice: Practice
    month: BillingMonth
    settings: BillingSettings
    digest: bytes
    now: dt.datetime
    counts: dict[str, int] = field(default_factory=lambda: {"billable": 0, "held": 0, "nothing": 0})
    total: Decimal = Decimal("0")
    early: bool = False  # bill early (cms-rules §11): base codes only, the month stays open
    trusted: bool = False  # the last run had the same inputs_key: unchanged revisions are skipped

    def tally(self, status: str, total: Decimal) -> None:
        self.counts[status] += 1
        if status == PatientMonth.Status.BILLABLE:
            self.total += total


def run_digest(policy: dict[str, Any], settings: BillingSettings, early: bool = False) -> bytes:
    """What every month of a close depends on besides its own facts: policy, charges, and
    whether it bills early (a month-end close re-decides the months billed early)."""
    return hashlib.blake2b(
        orjson.dumps([policy, settings.charges, early], option=orjson.OPT_SORT_KEYS),
        digest_size=16,
    ).digest()


def inputs_key(digest: bytes, practice: Practice) -> str:
    """What every month of a run shares: the run's digest and the practice facts a case reads
    (its setting, locality, APM and time zone). A month whose patient's revision is unchanged
    is decided as before only while this key is the last run's."""
    facts = [digest.hex(), practice.setting, practice.locality,
             bool(getattr(practice, "qualifying_apm", False)), practice.time_zone]  # fmt: skip
    return hashlib.blake2b(orjson.dumps(facts), digest_size=16).hexdigest()


def bill_early(result: MonthResult) -> MonthResult:
    """A running month billed early (cms-rules §11): its base code only; the add-on units
    wait for the month-end close."""
    base = tuple(ln for ln in result.lines if ln.code not in ADD_ON_BASES)
    if len(base) == len(result.lines):
        return result
    return dataclasses.replace(
        result, lines=base, total=sum((ln.amount for ln in base), Decimal("0"))
    )


def institutional_lines(case: MonthCase, result: MonthResult) -> MonthResult:
    """An RHC/FQHC month claims what its 837I bills (cms-rules §13): one G0511 for CCM/PCM
    dated through 2025-09-30, the individual codes after, at national amounts; an office's
    month is returned as it is. The revenue code per line is the practice's, read at export."""
    month = institutional_month(case, result, default_fees())
    if month is None:
        return result
    lines = tuple(Line(ln.code, ln.units, ln.service_date, ln.amount) for ln in month.lines)
    return dataclasses.replace(result, lines=lines, total=month.total)


def case_document(case: MonthCase) -> bytes:
    """The MonthCase in the contract's input shape (month-contract "Input"), as JSON bytes:
    orjson writes the frozen dataclasses directly, the audit snapshot costs microseconds."""
    return orjson.dumps(
        {
            "month": str(case.month),
            "practice": case.practice,
            "patient": case.patient,
            "enrollment": case.enrollment,
            "mdm": case.mdm,
            "time": case.time,
            "other_services": case.other_services,
        }
    )


class Fingerprints(NamedTuple):
    """A month's two fingerprints; `prints[elsewhere]` picks the one the claims call for."""

    alone: str  # not billed elsewhere
    elsewhere: str  # billed elsewhere this month


class Restamp(NamedTuple):
    """A stored month found equal whose patient revision or "billed elsewhere" is out of date."""

    month_id: int
    patient_revision: int
    billed_elsewhere: bool


def fingerprints(inputs: bytes, patient: PatientRow, digest: bytes) -> Fingerprints:
    """Everything the month's decision read, hashed: equal fingerprints, equal decisions. Two:
    as if not billed elsewhere, and as if billed elsewhere (the claims say which, later); the
    inputs are hashed once for both."""
    address = bool(patient.address_line and patient.city and patient.state and patient.postal_code)
    start = hashlib.blake2b(inputs, digest_size=16)
    found = []
    for elsewhere in (False, True):
        month = start.copy()
        month.update(f"|{patient.mbi}|{address:d}|{elsewhere:d}|".encode() + digest)
        found.append(month.hexdigest())
    return Fingerprints(*found)


class StoredMonth(NamedTuple):
    """A patient-month as a previous close stored it."""

    id: int
    fingerprint: str
    status: str
    total: Decimal
    patient_revision: int | None
    billed_elsewhere: bool
    program: str  # the program it was decided for (its claim's family)


class CurrentClaim(NamedTuple):
    """The beneficiary's current claim for the month's program, at any of the organisation's
    practices."""

    id: int
    practice_id: int
    frequency: str
    status: str


class MonthValues(NamedTuple):
    """What the close decides of a month: PatientMonth's columns after its keys, in order."""

    status: str
    reason: str
    fix: str
    lines: str
    total: Decimal
    minutes: int
    findings: str
    inputs: str
    policy: str
    fingerprint: str
    decided_at: dt.datetime
    patient_revision: int
    billed_elsewhere: bool


MONTH_COLUMNS = ("organization_id", "practice_id", "patient_id", "uid", "month",
                 *MonthValues._fields)  # fmt: skip


class Decided(NamedTuple):
    """A month the close decided again: its stored id (None when new) and what it decided."""

    month_id: int | None
    patient: PatientRow
    case: MonthCase
    result: MonthResult
    claim: CurrentClaim | None
    values: MonthValues


def _claim_agrees(status: str, claim: CurrentClaim | None, practice_id: int) -> bool:
    """Whether settling would leave the current claim as it is (see settle.settle_claim); a
    rejected claim never does: the close makes its successor."""
    if claim is not None and claim.status == Claim.Status.REJECTED:
        return False
    own = claim is not None and claim.practice_id == practice_id
    if status == PatientMonth.Status.BILLABLE:
        return own and claim is not None and claim.frequency != Claim.Frequency.VOID
    return not own or (claim is not None and claim.frequency == Claim.Frequency.VOID)


@dataclass
class Ahead:
    """A batch's inputs and its months as stored, read before the previous batch's COPYs are
    handed over: the close writes none of the inputs, and a month only in its own batch."""

    patients: list[PatientRow]
    rows: CaseRows  # of the patients whose revision moved (all of them in an untrusted run)
    existing: dict[int, StoredMonth]


@dataclass
class Prepared:
    """One patient-month's case, snapshot and fingerprints (billed elsewhere or not), with the
    rules' answer already worked out unless a stored fingerprint says it may not be needed;
    a patient whose revision is unchanged has none of them (case None) unless its claims moved."""

    patient: PatientRow
    case: MonthCase | None
    inputs: bytes
    prints: Fingerprints
    old: StoredMonth | None
    result: MonthResult | None = None
    lines: str = ""  # JSON text: COPY's fast path (bulk.copy_line) takes str, not bytes
    findings: str = ""

    def evaluate(self) -> MonthResult:
        """The rules' answer for the month, worked out once."""
        if self.result is None:
            assert self.case is not None
            self.result = evaluate_month_fast(self.case)
            as_json = result_to_json(self.result)
            self.lines, self.findings = (
                orjson.dumps(as_json["lines"]).decode(),
                orjson.dumps(as_json["findings"]).decode(),
            )
        return self.result


def each_key(key_type: str, keys: Any, lookup: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows LOOKUP (SQL reading `k.key`) finds for each of KEYS (a list, or an array's
    text: psycopg adapts a list of 10,000 ints in Python), one index lookup per key whatever
    the statistics say (PostgreSQL).

    While a close fills a month, the statistics still say the month is empty, and PostgreSQL
    read a batch's months or claims through the (organisation, practice, month, status) index:
    every row of the month so far, for every batch (1.2 s a batch at 1,000,000 patients).
    OFFSET 0 keeps the planner from flattening the per-key lookup into such a join.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT found.* FROM unnest(%s::{key_type}[]) AS k(key) "
            f"CROSS JOIN LATERAL ({lookup} OFFSET 0) AS found",
            [keys, *params],
        )
        found: list[tuple[Any, ...]] = cursor.fetchall()
        return found


def _stored_months(ids: list[int], run: CloseRun) -> dict[int, StoredMonth]:
    """Each patient's stored month: id, fingerprint, status and total."""
    org, first = run.practice.organization_id, run.month.first
    rows: Iterable[tuple[Any, ...]]
    if connection.vendor == "postgresql":
        rows = each_key(
            "bigint", "{" + ",".join(map(str, ids)) + "}",
            "SELECT m.patient_id, m.id, m.fingerprint, m.status, m.total, m.patient_revision,"
            " m.billed_elsewhere, m.inputs -> 'enrollment' ->> 'program'"
            " FROM billing_patientmonth m"
            " WHERE m.organization_id = %s AND m.patient_id = k.key AND m.month = %s",
            [org, first],
        )  # fmt: skip
    else:
        # The program as an explicit transform: "inputs__enrollment__program" is resolved by
        # Django through a caught FieldError, whose traceback is a cycle (the close runs
        # without the cyclic collector).
        program = KeyTextTransform("program", KeyTransform("enrollment", "inputs"))
        rows = (
            PatientMonth.objects.filter(organization_id=org, patient_id__in=IdList(ids), month=first)
            .annotate(program=program)
            .values_list(
                "patient_id", "id", "fingerprint", "status", "total", "patient_revision",
                "billed_elsewhere", "program",
            )
        )  # fmt: skip
    return {pid: StoredMonth(*stored) for pid, *stored in rows}


def _current_claims(mbis: list[str], run: CloseRun) -> list[Any]:
    """The current claims of the month for these beneficiaries, at any of the organisation's
    practices: MBI, program family, id, practice, frequency and status."""
    org, first = run.practice.organization_id, run.month.first
    if connection.vendor == "postgresql":
        return each_key(
            "text", text_array(mbis),
            "SELECT c.mbi, c.program_family, c.id, c.practice_id, c.frequency, c.status"
            " FROM billing_claim c"
            " WHERE c.organization_id = %s AND c.mbi = k.key AND c.month = %s AND c.current",
            [org, first],
        )  # fmt: skip
    return list(
        Claim.objects.filter(
            organization_id=org, month=first, current=True, mbi__in=mbis
        ).values_list("mbi", "program_family", "id", "practice_id", "frequency", "status")
    )


def close_batches(
    ids: list[int],
    run: CloseRun,
    progress: Callable[[int, int], None] | None,
    apart: bool = False,
) -> None:
    """Close patients IDS, BATCH at a time, each batch's COPYs running while the next is
    decided; with APART (the close's transaction is the outermost: see Reader) the next batch's
    inputs are read meanwhile too, on a connection of their own."""
    chunks = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    with Pipeline() as pipeline, Reader(run, apart and pipeline.thread is not None) as reader:
        reading = reader.read(chunks[0]) if chunks else None
        for number in range(len(chunks)):
            assert reading is not None
            ahead = reading()
            following = chunks[number + 1] if number + 1 < len(chunks) else None
            reading = reader.read(following) if following and reader.apart else None
            prepared = prepare(ahead, run)  # Python only: the previous batch's COPYs run meanwhile
            pipeline.wait()
            decided, restamped = decide(prepared, run)
            _write(decided, run, pipeline)
            update_rows(PatientMonth, Restamp._fields[1:], restamped, pipeline)
            if following and not reader.apart:
                # The next batch's inputs before this batch's COPYs: the close never writes them.
                reading = reader.read(following)
            pipeline.flush()
            if progress:
                progress(min((number + 1) * BATCH, len(ids)), len(ids))


class Reader:
    """Reads a batch's inputs (read_batch): on the close's connection when asked, or, APART,
    on a thread with a connection of its own, a batch ahead, while the close's connection
    writes (the close was 1.5-2.4x its write floor with the reads between the writes).

    Apart only when the close's transaction is the outermost: the reader sees what is
    committed, and all it reads is committed or not yet the close's to touch (patients and
    their month's inputs the close never writes; a batch's stored months are written only
    after they were read, and other closes of the month wait for this one's lock). Inside a
    caller's transaction (a test's, a request's) the caller's own rows are seen only on the
    close's connection, so the reads stay there.
    """

    def __init__(self, run: CloseRun, apart: bool) -> None:
        self.run, self.apart = run, apart
        self.thread = ReadAhead("close-reader") if apart else None

    def read(self, ids: list[int]) -> Callable[[], Ahead]:
        """What reads batch IDS: done now on the close's connection, or started on the
        reader's (its answer waits in a future; the scope goes with it)."""
        if self.thread is None:
            ahead = read_batch(ids, self.run)
            return lambda: ahead
        return self.thread.submit(read_batch, ids, self.run).result

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.thread is not None:
            self.thread.close()


def _unchanged(patient: PatientRow, old: StoredMonth | None, run: CloseRun) -> bool:
    """Whether the patient's inputs are the ones its stored month was decided from: the same
    revision, under the same inputs_key as the last run."""
    return run.trusted and old is not None and old.patient_revision == patient.revision


NO_ROWS = CaseRows({}, {}, {}, {}, {})


def read_batch(ids: list[int], run: CloseRun) -> Ahead:
    """The batch's patients and their stored months, then the rows of the cases of the
    patients whose revision moved. Revisions are read before the rows: a change committed in
    between is read with the older revision, and so is rebuilt again at the next close."""
    chosen = IdList(ids)
    patients = [
        PatientRow(run.practice, *row)
        for row in Patient.objects.filter(pk__in=chosen)
        .order_by("pk")
        .values_list(*PATIENT_COLUMNS)
    ]
    existing = _stored_months(ids, run)
    stale = [p.pk for p in patients if not _unchanged(p, existing.get(p.pk), run)]
    return Ahead(patients, read_case_rows(stale, run.month) if stale else NO_ROWS, existing)


def _prepare_one(
    patient: PatientRow, case: MonthCase, old: StoredMonth | None, run: CloseRun
) -> Prepared:
    inputs = case_document(case)
    month = Prepared(patient, case, inputs, fingerprints(inputs, patient, run.digest), old)
    if old is None or old.fingerprint not in month.prints:
        month.evaluate()
    return month


def prepare(ahead: Ahead, run: CloseRun) -> list[Prepared]:
    """Cases, snapshots and fingerprints of the patients whose revision moved; the rules run
    now for every month whose stored fingerprint cannot match (no queries: this is what
    overlaps the previous batch's COPYs). An unchanged patient gets no case."""
    changed = [p for p in ahead.patients if not _unchanged(p, ahead.existing.get(p.pk), run)]
    cases = build_cases(changed, run.month, ahead.rows)
    prepared = []
    for patient in ahead.patients:
        old = ahead.existing.get(patient.pk)
        case = cases.get(patient.pk)
        if case is None:
            prepared.append(Prepared(patient, None, b"", Fingerprints("", ""), old))
        else:
            prepared.append(_prepare_one(patient, case, old, run))
    return prepared


def decide(prepared: list[Prepared], run: CloseRun) -> tuple[list[Decided], list[Restamp]]:
    """Each month's verdict against the claims as they stand; unchanged months are only
    counted. Returns the months decided again, and (month id, revision, billed elsewhere) of
    the months found equal whose stored revision or "elsewhere" is out of date."""
    from .services import verdict

    practice, first = run.practice, run.month.first
    org = practice.organization_id  # explicit as well as scoped: MBIs are unique per tenant
    own = practice.pk  # read once: a model's pk is a property
    mbis = [m.patient.mbi for m in prepared if m.patient.mbi]
    claims = {
        (mbi, family): CurrentClaim(pk, practice_id, frequency, status)
        for mbi, family, pk, practice_id, frequency, status in _current_claims(mbis, run)
    }
    denied_elsewhere = set(
        among(
            Denial.objects.filter(organization_id=org, claim__month=first, billed_elsewhere=True),
            "claim__mbi", '"billing_claim"."mbi"', mbis,
        ).values_list("claim__mbi", flat=True)
    )  # fmt: skip

    def where(patient: PatientRow, program: str) -> tuple[CurrentClaim | None, bool]:
        claim = claims.get((patient.mbi, program)) if patient.mbi else None
        elsewhere = (claim is not None and claim.practice_id != own) or (
            patient.mbi in denied_elsewhere
        )
        return claim, elsewhere

    decided: list[Decided] = []
    restamped: list[Restamp] = []
    moved: list[Prepared] = []  # unchanged patients whose claims moved: rebuilt after all

    def one(month: Prepared) -> None:
        patient, case, old = month.patient, month.case, month.old
        assert case is not None
        claim, elsewhere = where(patient, case.enrollment.program)
        month_print = month.prints[elsewhere]
        if (
            old is not None
            and old.fingerprint == month_print
            and _claim_agrees(old.status, claim, own)
        ):
            run.tally(old.status, old.total)
            if (old.patient_revision, old.billed_elsewhere) != (patient.revision, elsewhere):
                restamped.append(Restamp(old.id, patient.revision, elsewhere))
            return
        result = month.evaluate()
        verdict_ = verdict(case, result, patient, elsewhere)
        if run.early:
            result = bill_early(result)
        result = institutional_lines(case, result)
        billable = verdict_.status == PatientMonth.Status.BILLABLE
        values = MonthValues(
            verdict_.status, verdict_.reason, verdict_.fix, month.lines,
            result.total if billable else Decimal("0"), result.minutes.counted,
            month.findings, month.inputs.decode(), "{}", month_print, run.now,
            patient.revision, elsewhere,
        )  # fmt: skip
        run.tally(verdict_.status, result.total)
        decided.append(Decided(old.id if old else None, patient, case, result, claim, values))

    for month in prepared:
        if month.case is not None:
            one(month)
            continue
        old = month.old
        assert old is not None
        claim, elsewhere = where(month.patient, old.program)
        if old.billed_elsewhere == elsewhere and _claim_agrees(old.status, claim, own):
            run.tally(old.status, old.total)
        else:
            moved.append(month)
    if moved:
        patients = [m.patient for m in moved]
        rows = read_case_rows([p.pk for p in patients], run.month)
        cases = build_cases(patients, run.month, rows)
        for month in moved:
            one(_prepare_one(month.patient, cases[month.patient.pk], month.old, run))
    return decided, restamped


def _write(decided: list[Decided], run: CloseRun, pipeline: Pipeline) -> None:
    """New months in one insert, changed ones updated, then their claims settled: every write
    waits in the PIPELINE for its next flush."""
    practice, first, org = run.practice, run.month.first, run.practice.organization_id
    new = [d for d in decided if d.month_id is None]
    new_ids = insert_rows(
        PatientMonth,
        MONTH_COLUMNS,
        [(org, practice.pk, d.patient.pk, uuid.uuid4(), first, *d.values) for d in new],
        pipeline=pipeline,
    )
    month_ids = dict(zip((d.patient.pk for d in new), new_ids, strict=True))
    changed = [d for d in decided if d.month_id is not None]
    month_ids.update((d.patient.pk, d.month_id) for d in changed)
    update_rows(
        PatientMonth, MonthValues._fields, [(d.month_id, *d.values) for d in changed], pipeline
    )

    wanted = [
        d for d in decided if d.claim is not None or d.values.status == PatientMonth.Status.BILLABLE
    ]
    if not wanted:
        return
    from .services import billing_practitioner_ids

    rendering = billing_practitioner_ids([d.patient.pk for d in wanted], run.month)
    # The current claims and their lines as plain rows (settle_claim reads and succeeds them).
    claim_ids = [d.claim.id for d in wanted if d.claim is not None]
    current = (
        {c.id: c for c in claim_rows(Claim.objects.filter(pk__in=IdList(claim_ids)))}
        if claim_ids
        else {}
    )
    pending = FirstClaims(early=run.early)
    for _, patient, case, result, claim, values in wanted:
        pm = PatientMonthRef(
            month_ids[patient.pk], org, practice.pk, patient.pk, patient.uid, patient.mbi, first,
            values.status,
        )  # fmt: skip
        month = Settling(pm, case, result, run.settings, rendering.get(patient.pk), run.now)
        if claim is None:
            pending.add(month)
        else:
            settle_claim(month, current[claim.id], pending)
    pending.save(run.now, pipeline)
