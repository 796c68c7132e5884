"""The enrollment gap: who qualifies for CCM / PCM / APCM, who is enrolled, what it is worth.

Each patient's facts go through the pure rules (`ccm.rules.eligibility`); money comes from the
fee schedule at the practice's locality (`ccm.rules.fees`). Patients are read in chunks so a
practice of a million patients fits in memory (bench/bench_audit.py).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules.eligibility import PatientFacts, eligibility
from ccm.rules.fees import FeeSchedule, FeeScheduleError
from ccmweb.enrollment.models import Enrollment
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.tenants.models import Practice

CHUNK = 5000
ICD, SNOMED = "ICD-10-CM", "SNOMED"


@dataclass
class PatientGap:
    """One patient's line of the audit."""

    pk: int
    uid: str
    source_id: str
    mrn: str
    name: str
    eligible: list[str]
    enrolled: bool
    coverage: str  # part_b | unverified | none
    expected_cents: int
    reasons: list[str]
    deceased: bool = False
    initiating_visit_needed: bool = False
    enrolled_program: str = ""

    @property
    def opportunity(self) -> bool:
        """Eligible, Part B known, alive, not enrolled: someone to call."""
        return (
            bool(self.eligible)
            and self.coverage == "part_b"
            and not self.enrolled
            and not self.deceased
        )

    @property
    def expected_monthly(self) -> str:
        return cents(self.expected_cents)

    @property
    def unverified(self) -> bool:
        return (
            bool(self.eligible)
            and self.coverage == "unverified"
            and not self.enrolled
            and not self.deceased
        )


@dataclass
class Audit:
    practice: Practice
    month: BillingMonth
    fee_basis: str
    patients: list[PatientGap] = field(default_factory=list)
    billed: int = 0
    captured_cents: int = 0

    def count(self, program: str) -> int:
        return sum(
            1
            for p in self.patients
            if program in p.eligible and p.coverage == "part_b" and not p.deceased
        )

    @property
    def opportunities(self) -> list[PatientGap]:
        return [p for p in self.patients if p.opportunity]

    @property
    def unverified(self) -> list[PatientGap]:
        return [p for p in self.patients if p.unverified]

    @property
    def uncaptured_cents(self) -> int:
        return sum(p.expected_cents for p in self.opportunities)

    @property
    def enrolled(self) -> int:
        return sum(1 for p in self.patients if p.enrolled)


def default_month(practice: Practice, now: dt.datetime | None = None) -> BillingMonth:
    """The previous full month in the practice's time zone."""
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(practice.time_zone))
    return BillingMonth.of(local.date()).previous()


def cents(value: int) -> str:
    return f"{Decimal(value) / 100:.2f}"


def _prices(practice: Practice, year: int) -> tuple[dict[str, int], str]:
    """Unit prices for the month's year at the practice's locality, saying what basis was used."""
    schedule = FeeSchedule.load(Path(settings.DATA_DIR) / "fees")
    years = sorted(y for y in schedule.rvus if y <= year) or sorted(schedule.rvus)
    fee_year = years[-1]
    note = "" if fee_year == year else f" ({year} fees not loaded)"
    locality = practice.locality or None
    try:
        return schedule.prices(
            fee_year, locality, False
        ), f"{fee_year} fees, locality {locality or 'national'}{note}"
    except FeeScheduleError:
        return schedule.prices(
            fee_year, None, False
        ), f"{fee_year} fees, national: no GPCI for locality {locality}{note}"


def _chunks(practice: Practice) -> Iterator[list[tuple[Any, ...]]]:
    rows = (
        Patient.objects.filter(practice=practice)
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


def run_audit(
    practice: Practice, month: BillingMonth, progress: Callable[[int], None] | None = None
) -> Audit:
    """Decide eligibility for every patient of the practice as of the month's last day."""
    as_of = month.last
    prices, basis = _prices(practice, month.year)
    audit = Audit(practice, month, basis)
    enrolled = dict(
        Enrollment.objects.filter(
            patient__practice=practice, status=Enrollment.Status.ENROLLED
        ).values_list("patient_id", "program")
    )
    for chunk in _chunks(practice):
        low, high = chunk[0][0], chunk[-1][0]
        conditions: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for pid, icd, snomed, onset, abatement, status in Condition.objects.filter(
            patient__practice=practice, patient_id__gte=low, patient_id__lte=high
        ).values_list(
            "patient_id",
            "icd10_code",
            "snomed_code",
            "onset_date",
            "abatement_date",
            "clinical_status",
        ):
            if icd:
                conditions[pid].append((ICD, icd, onset, abatement, status))
            if snomed:
                conditions[pid].append((SNOMED, snomed, onset, abatement, status))
        visits: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for pid, day, code, klass in Encounter.objects.filter(
            patient__practice=practice, patient_id__gte=low, patient_id__lte=high, date__lte=as_of
        ).values_list("patient_id", "date", "type_code", "encounter_class"):
            visits[pid].append((day, code, klass))
        for row in chunk:
            audit.patients.append(
                _gap(row, conditions[row[0]], visits[row[0]], enrolled, prices, as_of)
            )
        if progress:
            progress(len(chunk))
    audit.patients.sort(
        key=lambda p: (not p.opportunity, not p.unverified, -p.expected_cents, p.source_id, p.pk)
    )
    return audit


def _gap(
    row: tuple[Any, ...],
    conditions: list[tuple[Any, ...]],
    visits: list[tuple[Any, ...]],
    enrolled: dict[int, str],
    prices: dict[str, int],
    as_of: dt.date,
) -> PatientGap:
    pk, uid, source_id, mrn, given, family, deceased, part_b, qmb = row
    facts = PatientFacts(
        conditions=tuple(conditions),
        part_b=part_b,
        qmb=qmb if part_b is not None else None,
        deceased_date=deceased,
        encounters=tuple(visits),
    )
    verdict = eligibility(facts, as_of)
    coverage = "unverified" if part_b is None else "part_b" if part_b else "none"
    dead = deceased is not None and deceased <= as_of
    count = verdict.chronic_condition_count
    programs = (
        [] if dead else [p for p, need in (("ccm", 2), ("pcm", 1), ("apcm", 0)) if count >= need]
    )
    # CCM's base code for 2+ conditions, PCM's only for a single condition, APCM at its level
    codes = ["99490" if "ccm" in programs else "99426" if "pcm" in programs else ""]
    codes.append((verdict.apcm.apcm_code or "G0556") if "apcm" in programs else "")
    value = max((prices.get(code, 0) for code in codes if code), default=0)
    reasons: list[str] = []
    for program in (verdict.ccm, verdict.apcm):
        for reason in program.reasons:
            if reason.text not in reasons:
                reasons.append(reason.text)
    program_in = enrolled.get(pk, "")
    if program_in:
        reasons.append(f"enrolled in {program_in.upper()}")
    return PatientGap(
        pk=pk,
        uid=str(uid),
        source_id=source_id,
        mrn=mrn,
        name=f"{family}, {given}",
        eligible=programs,
        enrolled=bool(program_in),
        coverage=coverage,
        expected_cents=0 if dead or coverage == "none" else value,
        reasons=reasons,
        deceased=dead,
        initiating_visit_needed=verdict.ccm.initiating_visit_needed,
        enrolled_program=program_in,
    )


def audit_json(audit: Audit) -> dict[str, Any]:
    """The `ccm eligibility audit --json` document (spec/cli.md), with extra fields."""
    uncaptured = audit.uncaptured_cents
    return {
        "practice": audit.practice.slug,
        "month": str(audit.month),
        "counts": {
            "patients": len(audit.patients),
            "eligible": {p: audit.count(p) for p in ("ccm", "pcm", "apcm")},
            "enrolled": audit.enrolled,
            "billed": audit.billed,
            "opportunities": len(audit.opportunities),
            "coverage_unverified": len(audit.unverified),
            "deceased": sum(1 for p in audit.patients if p.deceased),
        },
        "revenue": {
            "captured": cents(audit.captured_cents),
            "uncaptured": cents(uncaptured),
            "per": "month",
            "per_year": {
                "captured": cents(audit.captured_cents * 12),
                "uncaptured": cents(uncaptured * 12),
            },
            "unverified_potential": cents(sum(p.expected_cents for p in audit.unverified)),
            "fees": audit.fee_basis,
        },
        "patients": [
            {
                "source_id": p.source_id,
                "mrn": p.mrn,
                "eligible": p.eligible,
                "enrolled": p.enrolled,
                "coverage": p.coverage,
                "expected_monthly": cents(p.expected_cents),
                "reasons": p.reasons,
                "opportunity": p.opportunity,
                "deceased": p.deceased,
                "initiating_visit_needed": p.initiating_visit_needed,
            }
            for p in audit.patients
        ],
    }
