"""What the enrollment gap reads, a chunk of patients at a time: a handful of queries a chunk,
none per patient, each returning only what decides eligibility (bench/bench_audit.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum

from ccm.codes import INITIATING_VISITS_CPT, INITIATING_VISITS_SNOMED
from ccm.periods import BillingMonth
from ccm.rules.eligibility import ACTIVE_STATUSES
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient
from ccmweb.tenants.models import Practice

from .coverage import CoverageRow
from .models import ClaimedService

CHUNK = 20000  # patients a round of queries: bench/RESULTS.md, "eligibility audit"
ICD, SNOMED = "ICD-10-CM", "SNOMED"
#: Care management billed elsewhere in the audit month or the months before it, this many in all
ELSEWHERE_MONTHS = 3
_INITIATING_CPT = sorted({c.code for c in INITIATING_VISITS_CPT})
_INITIATING_SNOMED = sorted({c.code for c in INITIATING_VISITS_SNOMED})


def patient_chunks(practice: Practice) -> Iterator[list[tuple[Any, ...]]]:
    """The practice's patients in id order, CHUNK at a time (keyset paging: no OFFSET)."""
    rows = (
        Patient.objects.filter(organization_id=practice.organization_id, practice=practice)
        .order_by("pk")
        .values_list(
            "pk",
            "uid",
            "source_id",
            "mrn",
            "given_name",
            "family_name",
            "deceased_date",
            "part_b",
            "qmb",
        )
    )
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


def active_conditions(org_id: int, low: int, high: int, as_of: dt.date) -> dict[int, list[Any]]:
    """Condition codes active on as_of (cms-rules §2: onset, abatement, clinical status), by patient.

    Only what decides eligibility travels: the dates and status are applied here, in SQL.
    """
    found: dict[int, list[Any]] = defaultdict(list)
    rows = Condition.objects.filter(
        Q(onset_date__isnull=True) | Q(onset_date__lte=as_of),
        Q(abatement_date__isnull=True) | Q(abatement_date__gt=as_of),
        organization_id=org_id,
        patient_id__gte=low,
        patient_id__lte=high,
        clinical_status__in=ACTIVE_STATUSES,
    ).values_list("patient_id", "icd10_code", "snomed_code")
    for pid, icd, snomed in rows:
        if icd:
            found[pid].append((ICD, icd, None, None, None))
        if snomed:
            found[pid].append((SNOMED, snomed, None, None, None))
    return found


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


def coverage_rows(org_id: int, low: int, high: int) -> dict[int, list[CoverageRow]]:
    found: dict[int, list[CoverageRow]] = defaultdict(list)
    rows = Coverage.objects.filter(
        organization_id=org_id, patient_id__gte=low, patient_id__lte=high
    ).values_list("patient_id", "source_id", "kind", "start_date", "end_date")
    for pid, *row in rows:
        found[pid].append(tuple(row))  # type: ignore[arg-type]
    return found


def care_managed_elsewhere(
    org_id: int, low: int, high: int, month: BillingMonth, own: set[str]
) -> dict[int, str]:
    """Care management another provider billed in the month or the two before (docs/import.md)."""
    since = month.first
    for _ in range(ELSEWHERE_MONTHS - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    found: dict[int, str] = {}
    rows = (
        ClaimedService.objects.filter(
            organization_id=org_id,
            patient_id__gte=low,
            patient_id__lte=high,
            date__gte=since,
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
