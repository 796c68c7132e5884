"""What the enrollment gap reads, a chunk of patients at a time: a handful of queries a chunk,
none per patient, each returning only what decides eligibility (bench/bench_audit.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Max, Q, StringAgg, Sum, Value, When
from django.db.models.functions import Concat

from ccm.codes import INITIATING_VISITS_CPT, INITIATING_VISITS_SNOMED
from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccm.rules.eligibility import ACTIVE_STATUSES, ConditionFact
from ccmweb.ahead import ReadAhead
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient
from ccmweb.tenants.models import Practice

from .coverage import CoverageRow
from .models import ClaimedService

CHUNK = 20000  # patients a round of queries: bench/RESULTS.md, "eligibility audit"
ICD, SNOMED = "ICD-10-CM", "SNOMED"
FIELD, ROW = "\x1f", "\x1e"  # ASCII unit and record separators: never in a code
_INITIATING_CPT = sorted({c.code for c in INITIATING_VISITS_CPT})
_INITIATING_SNOMED = sorted({c.code for c in INITIATING_VISITS_SNOMED})


def patient_chunks(practice: Practice) -> Iterator[list[tuple[Any, ...]]]:
    """The practice's patients in id order, CHUNK at a time (keyset paging: no OFFSET).

    No uid or name: the screens ask for those of the few they show (audit.gaps).
    """
    rows = (
        Patient.objects.filter(organization_id=practice.organization_id, practice=practice)
        .order_by("pk")
        .values_list(
            "pk",
            "source_id",
            "mrn",
            "deceased_date",
            "part_b",
            "qmb",
            "medicare",
            "animal",
            "birth_date",
        )
    )
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


@dataclass(frozen=True, slots=True)
class Chunk:
    """One round of facts: CHUNK patients and what decides their eligibility, by patient id."""

    patients: list[
        tuple[Any, ...]
    ]  # pk, source_id, mrn, deceased_date, part_b, qmb, medicare, animal, birth_date
    conditions: dict[int, str]
    visits: dict[int, dt.date]
    coverage: dict[int, tuple[CoverageRow, ...]]
    elsewhere: dict[int, str]


def chunks(practice: Practice, month: BillingMonth, own: set[str]) -> Iterator[Chunk]:
    """The practice's patients with their facts, a chunk at a time, the next one read ahead.

    The database works while Python decides (PostgreSQL is another process, and psycopg waits
    without the GIL): a thread with its own connection reads chunk n+1 during chunk n. Inside a
    transaction (a request's, a test's) another connection would not see its rows, so there
    the chunks are read in turn.
    """
    org_id, as_of = practice.organization_id, month.last

    def read(patients: list[tuple[Any, ...]]) -> Chunk:
        low, high = patients[0][0], patients[-1][0]
        return Chunk(
            patients,
            active_conditions(org_id, low, high, as_of),
            last_visits(org_id, low, high, as_of),
            coverage_rows(org_id, low, high, month),
            care_managed_elsewhere(org_id, low, high, month, own),
        )

    if connection.in_atomic_block or connection.vendor != "postgresql":
        yield from map(read, patient_chunks(practice))
        return

    rounds = patient_chunks(practice)

    def next_chunk() -> Chunk | None:
        patients = next(rounds, None)
        return None if patients is None else read(patients)

    with ReadAhead("gap-facts") as thread:
        reading = thread.submit(next_chunk)
        while (chunk := reading.result()) is not None:
            reading = thread.submit(next_chunk)
            yield chunk


def active_conditions(org_id: int, low: int, high: int, as_of: dt.date) -> dict[int, str]:
    """Condition codes active on as_of (cms-rules §2: onset, abatement, clinical status), by patient.

    Only what decides eligibility travels: the dates and status are applied in SQL, and each
    patient's codes come as one string, "icd FIELD snomed" joined by ROW (`condition_facts`
    reads it), so a million patients are a million rows, not three million.
    """
    rows = (
        Condition.objects.filter(
            Q(onset_date__isnull=True) | Q(onset_date__lte=as_of),
            Q(abatement_date__isnull=True) | Q(abatement_date__gt=as_of),
            organization_id=org_id,
            patient_id__gte=low,
            patient_id__lte=high,
            clinical_status__in=ACTIVE_STATUSES,
        )
        .values_list("patient_id")
        .annotate(codes=StringAgg(Concat("icd10_code", Value(FIELD), "snomed_code"), Value(ROW)))
        .order_by()
    )
    return dict(rows)


def condition_facts(codes: str) -> tuple[ConditionFact, ...]:
    """The rules' condition facts of one `active_conditions` string, sorted: one cache key per set."""
    found: list[ConditionFact] = []
    for row in codes.split(ROW):
        icd, snomed = row.split(FIELD)
        if icd:
            found.append((ICD, icd, None, None, None))
        if snomed:
            found.append((SNOMED, snomed, None, None, None))
    return tuple(sorted(found))


def last_visits(org_id: int, low: int, high: int, as_of: dt.date) -> dict[int, dt.date]:
    """Each patient's latest initiating visit (cms-rules §4) on or before as_of, from SQL."""
    return dict(
        Encounter.objects.filter(
            Q(type_code__in=_INITIATING_CPT)
            | Q(encounter_class="AMB", type_code__in=_INITIATING_SNOMED),
            organization_id=org_id,
            patient_id__gte=low,
            patient_id__lte=high,
            date__lte=as_of,
        )
        .values_list("patient_id")
        .annotate(day=Max("date"))
        .order_by()
    )


def coverage_rows(
    org_id: int, low: int, high: int, month: BillingMonth
) -> dict[int, tuple[CoverageRow, ...]]:
    """Each patient's coverage rows, with the dates that cannot matter to the month blanked.

    coverage.coverage_as_of reads a start only as "on or before the month's last day" and an
    end only as "before its first day"; a start already on or before the last day and an end on
    or after the first day read the same as none. Blanking them in SQL leaves few distinct row
    sets, so the audit decides coverage once per set instead of once per patient.
    """
    found: dict[int, list[CoverageRow]] = defaultdict(list)
    rows = (
        Coverage.objects.filter(organization_id=org_id, patient_id__gte=low, patient_id__lte=high)
        .annotate(
            start=Case(When(start_date__lte=month.last, then=None), default="start_date"),
            end=Case(When(end_date__gte=month.first, then=None), default="end_date"),
        )
        .order_by("patient_id", "source_id", "kind", "start", "end")
        .values_list("patient_id", "source_id", "kind", "start", "end")
    )
    for pid, *row in rows:
        found[pid].append(tuple(row))
    return {pid: tuple(rows) for pid, rows in found.items()}


def care_managed_elsewhere(
    org_id: int, low: int, high: int, month: BillingMonth, own: set[str]
) -> dict[int, str]:
    """Care management another provider billed in the month or the ones before it, as many as
    the policy says (`MonthPolicy.enrolled_elsewhere_months`; docs/import.md)."""
    since = month
    for _ in range(month_policy(month).enrolled_elsewhere_months - 1):
        since = since.previous()
    found: dict[int, str] = {}
    rows = (
        ClaimedService.objects.filter(
            organization_id=org_id,
            patient_id__gte=low,
            patient_id__lte=high,
            date__gte=since.first,
            date__lte=month.last,
        )
        .exclude(provider_npi__in=own)
        .order_by("patient_id", "-date")
        .values_list("patient_id", "code", "date", "provider_npi")
    )
    for pid, code, day, npi in rows:
        if pid not in found:
            who = f"NPI {npi}" if npi else "a provider the claim does not name"
            found[pid] = (
                f"enrolled elsewhere: {code} billed {day.isoformat()} by {who}, "
                "not this practice: never an opportunity"
            )
    return found


def billed(practice: Practice, month: BillingMonth) -> tuple[int, int, str]:
    """Patients with a claim for the month (not void, not replaced) and their expected cents."""
    try:
        from ccmweb.billing.models import Claim
    except ImportError:  # the billing app is not installed: nothing can have been billed
        return 0, 0, "billing not installed"
    claims = Claim.objects.filter(
        organization_id=practice.organization_id, practice=practice, month=month.first
    ).exclude(status__in=("void", "replaced"))
    totals = claims.aggregate(patients=Count("patient_id", distinct=True), expected=Sum("expected"))
    expected = totals["expected"] or Decimal(0)
    return totals["patients"] or 0, int((expected * 100).to_integral_value()), ""
