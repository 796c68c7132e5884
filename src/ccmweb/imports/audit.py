"""The enrollment gap: who qualifies for CCM / PCM / APCM, who is enrolled, what it is worth.

Each patient's facts go through the pure rules (`ccm.rules.eligibility`, through the cache of
`ccm.enrollment_gap`); money comes from the fee schedule at the practice's locality
(`ccm.rules.fees`); billed and captured from the month's claims (`ccmweb.billing`). Facts are
read in chunks (`gap_facts.py`) so a million patients audit in under a minute
(bench/bench_audit.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from ccm.enrollment_gap import GapRules
from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule, FeeScheduleError
from ccmweb.enrollment.models import Enrollment
from ccmweb.tenants.models import Practice, Practitioner

from . import gap_facts as facts
from .coverage import CoverageRow, coverage_as_of


@dataclass(slots=True)
class PatientGap:
    """One patient's line of the audit."""

    pk: int
    uid: Any  # uuid.UUID, for links
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
    enrolled_elsewhere: bool = False

    opportunity: bool = field(init=False)
    unverified: bool = field(init=False)

    def __post_init__(self) -> None:
        # Decided once: the audit sorts, counts and lists a million of these (bench_audit).
        open_case = bool(self.eligible) and not (
            self.enrolled or self.enrolled_elsewhere or self.deceased
        )
        #: Eligible, Part B known, alive, not enrolled here or elsewhere: someone to call.
        self.opportunity = open_case and self.coverage == "part_b"
        #: The same, but Part B not known from the data: verify coverage first.
        self.unverified = open_case and self.coverage == "unverified"

    @property
    def expected_monthly(self) -> str:
        return cents(self.expected_cents)


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


@functools.lru_cache(maxsize=4096)
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


def run_audit(
    practice: Practice, month: BillingMonth, progress: Callable[[int], None] | None = None
) -> Audit:
    """Decide eligibility for every patient of the practice as of the month's last day.

    Patients, their active conditions, latest initiating visits, coverage and claimed care
    management are read per chunk of gap_facts.CHUNK patient ids, a handful of queries a chunk and none
    per patient; each patient is then decided by the pure rules (ccm.enrollment_gap).
    """
    as_of = month.last
    prices, basis = _prices(practice, month.year)
    audit = Audit(practice, month, basis)
    audit.billed, audit.captured_cents, _note = facts.billed(practice, month)
    org_id = practice.organization_id
    enrolled = dict(
        Enrollment.objects.filter(
            organization_id=org_id, patient__practice=practice, status=Enrollment.Status.ENROLLED
        ).values_list("patient_id", "program")
    )
    own = {practice.billing_npi} | set(  # this practice and its practitioners: not "elsewhere"
        Practitioner.objects.filter(organization_id=org_id, practice=practice).values_list(
            "npi", flat=True
        )
    )
    own.discard("")
    rules = GapRules(as_of)
    days = (month.first, month.last)

    @functools.cache
    def value(programs: tuple[str, ...], apcm_code: str | None) -> int:
        return _value(prices, programs, apcm_code)

    for chunk in facts.patient_chunks(practice):
        low, high = chunk[0][0], chunk[-1][0]
        conditions = facts.active_conditions(org_id, low, high, as_of)
        visits = facts.last_visits(org_id, low, high, as_of)
        coverage = facts.coverage_rows(org_id, low, high)
        elsewhere = facts.care_managed_elsewhere(org_id, low, high, month, own)
        for row in chunk:
            pk = row[0]
            audit.patients.append(
                _gap(
                    row,
                    rules,
                    conditions.get(pk, ()),
                    visits.get(pk),
                    coverage.get(pk),
                    enrolled.get(pk, ""),
                    elsewhere.get(pk, ""),
                    value,
                    days,
                )
            )
        if progress:
            progress(len(chunk))
    audit.patients.sort(
        key=lambda p: (not p.opportunity, not p.unverified, -p.expected_cents, p.source_id, p.pk)
    )
    return audit


def _gap(
    row: tuple[Any, ...],
    rules: GapRules,
    conditions: Any,
    last_visit: dt.date | None,
    coverage_rows: list[CoverageRow] | None,
    program_in: str,
    elsewhere: str,
    value: Callable[[tuple[str, ...], str | None], int],
    days: tuple[dt.date, dt.date],
) -> PatientGap:
    pk, uid, source_id, mrn, given, family, deceased, part_b, qmb = row
    note = ""
    if coverage_rows:  # imported coverage, as of the audit month; else the patient's own flags
        part_b, qmb, note = coverage_as_of(coverage_rows, *days)
    verdict = rules.decide(
        tuple(sorted(conditions)),
        part_b,
        qmb if part_b is not None else None,
        deceased,
        last_visit,
    )
    coverage = "unverified" if part_b is None else "part_b" if part_b else "none"
    programs = list(verdict.programs)
    expected = value(verdict.programs, verdict.apcm_code)
    reasons = list(verdict.reasons)
    if note:
        reasons.append(note)
    if program_in:
        reasons.append(f"enrolled in {program_in.upper()}")
    if elsewhere:
        reasons.append(elsewhere)
    return PatientGap(
        pk=pk,
        uid=uid,
        source_id=source_id,
        mrn=mrn,
        name=f"{family}, {given}",
        eligible=programs,
        enrolled=bool(program_in),
        coverage=coverage,
        expected_cents=0 if verdict.dead or coverage == "none" else expected,
        reasons=reasons,
        deceased=verdict.dead,
        initiating_visit_needed=verdict.initiating_visit_needed,
        enrolled_program=program_in,
        enrolled_elsewhere=bool(elsewhere),
    )


@functools.cache
def _codes(programs: tuple[str, ...], apcm_code: str | None) -> tuple[str, ...]:
    """CCM's base code for 2+ conditions, PCM's only for a single one, APCM at its level."""
    codes = ["99490" if "ccm" in programs else "99426" if "pcm" in programs else ""]
    codes.append((apcm_code or "G0556") if "apcm" in programs else "")
    return tuple(code for code in codes if code)


def _value(prices: dict[str, int], programs: tuple[str, ...], apcm_code: str | None) -> int:
    """The best monthly amount of the programs the patient qualifies for, in cents."""
    return max((prices.get(code, 0) for code in _codes(programs, apcm_code)), default=0)


def audit_json(audit: Audit) -> dict[str, Any]:
    """The `ccm eligibility audit --json` document (spec/cli.md), with extra fields."""
    eligible = dict.fromkeys(("ccm", "pcm", "apcm"), 0)
    enrolled = opportunities = unverified = deceased = elsewhere = 0
    uncaptured = unverified_cents = 0
    for p in audit.patients:  # one pass: a million patients (bench_audit)
        if p.coverage == "part_b" and not p.deceased:
            for program in p.eligible:
                eligible[program] += 1
        enrolled += p.enrolled
        deceased += p.deceased
        elsewhere += p.enrolled_elsewhere
        if p.opportunity:
            opportunities += 1
            uncaptured += p.expected_cents
        elif p.unverified:
            unverified += 1
            unverified_cents += p.expected_cents
    return {
        "practice": audit.practice.slug,
        "month": str(audit.month),
        "counts": {
            "patients": len(audit.patients),
            "eligible": eligible,
            "enrolled": enrolled,
            "billed": audit.billed,
            "opportunities": opportunities,
            "coverage_unverified": unverified,
            "deceased": deceased,
            "enrolled_elsewhere": elsewhere,
        },
        "revenue": {
            "captured": cents(audit.captured_cents),
            "uncaptured": cents(uncaptured),
            "per": "month",
            "per_year": {
                "captured": cents(audit.captured_cents * 12),
                "uncaptured": cents(uncaptured * 12),
            },
            "unverified_potential": cents(unverified_cents),
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
                "enrolled_elsewhere": p.enrolled_elsewhere,
            }
            for p in audit.patients
        ],
    }
