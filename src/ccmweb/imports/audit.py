"""The enrollment gap: who qualifies for CCM / PCM / APCM, who is enrolled, what it is worth.

Each patient's facts go through the pure rules (`ccm.rules.eligibility`, through the cache of
`ccm.enrollment_gap`); money comes from the fee schedule at the practice's locality
(`ccm.rules.fees`); billed and captured from the month's claims (`ccmweb.billing`). Facts are
read in chunks (`gap_facts.py`). A million patients share few distinct facts, so everything but
the latest visit is decided, priced and turned into JSON once per `Standing`, the visit part
once per day (`Seen`); a patient is then a row of six fields, handed to the caller a chunk at
a time (`compute`): gap_results.py stores them, and pages and `write_json` read the stored
result (bench/bench_audit.py, bench/RESULTS.md "eligibility audit").
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from ccm.enrollment_gap import NO_VISIT, GapRules, join
from ccm.periods import BillingMonth
from ccm.rules import MonthPolicy, claim_form, month_policy
from ccm.rules import coverage as coverage_rules
from ccm.rules.fees import FeeSchedule, FeeScheduleError
from ccmweb.enrollment.models import Enrollment
from ccmweb.tenants.models import Practice, Practitioner

from . import gap_facts as facts
from .coverage import CoverageRow, standing_as_of
from .gap_lines import NOT_SEEN, PatientGap, Row, Seen, Standing, cents, gaps

ANIMAL = "not a human patient (Patient.animal): never an opportunity"

__all__ = [  # PatientGap, cents and gaps live in gap_lines; the screens import them from here
    "Audit",
    "PatientGap",
    "cents",
    "compute",
    "default_month",
    "gaps",
    "summarize",
]


#: Distinct standings held for reuse while computing (a few KB each, with their key and JSON
#: parts). Past this many they are counted into the sums and forgotten, so memory stays flat
#: however many patients (100,000 generated patients have ~34,000 standings, a million
#: ~166,000); one met again is decided again and stored again (gap_results numbers it anew).
STANDINGS_HELD = 20_000


@dataclass
class Audit:
    """An audit while it is computed: what its summary sums (patients per standing), never the
    patients themselves: they go to the database a chunk at a time (`run_audit`)."""

    practice: Practice
    month: BillingMonth
    fee_basis: str
    tally: Counter[Standing] = field(default_factory=Counter)  # patients per held standing
    sums: Counter[str] = field(default_factory=Counter)  # the counts of the forgotten ones
    billed: int = 0
    captured_cents: int = 0

    def fold(self) -> None:
        """Count the tally into the sums and let go of its standings."""
        for standing, n in self.tally.items():
            _count(self.sums, standing, n)
        self.tally.clear()


def default_month(practice: Practice, now: dt.datetime | None = None) -> BillingMonth:
    """The previous full month in the practice's time zone."""
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(practice.time_zone))
    return BillingMonth.of(local.date()).previous()


def _prices(practice: Practice, year: int) -> tuple[dict[str, int], str]:
    """Unit prices for the month's year at the practice's locality (an RHC/FQHC: national,
    cms-rules §13), saying what basis was used."""
    schedule = FeeSchedule.load(Path(settings.DATA_DIR) / "fees")
    years = sorted(y for y in schedule.rvus if y <= year) or sorted(schedule.rvus)
    fee_year = years[-1]
    note = "" if fee_year == year else f" ({year} fees not loaded)"
    if claim_form(practice.setting) == "837i":
        label = practice.get_setting_display()
        return schedule.prices(fee_year, None, False), (
            f"{fee_year} fees, national: {label}, no GPCI{note}"
        )
    locality = practice.locality or None
    try:
        return schedule.prices(
            fee_year, locality, False
        ), f"{fee_year} fees, locality {locality or 'national'}{note}"
    except FeeScheduleError:
        return schedule.prices(
            fee_year, None, False
        ), f"{fee_year} fees, national: no GPCI for locality {locality}{note}"


def compute(
    practice: Practice,
    month: BillingMonth,
    write: Callable[[list[Row]], None],
    progress: Callable[[int], None] | None = None,
) -> Audit:
    """Decide eligibility for every patient of the practice as of the month's last day; hand
    each chunk's rows (unsorted) to WRITE and keep only the sums: memory stays flat.

    Patients, their active conditions, latest initiating visits, coverage and claimed care
    management are read per chunk of gap_facts.CHUNK patient ids, a handful of queries a chunk
    and none per patient; each distinct standing and visit day is then decided by the pure
    rules (ccm.enrollment_gap) once, and a patient costs two dictionary look-ups.
    """
    as_of = month.last
    prices, basis = _prices(practice, month.year)
    policy = month_policy(month)
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
    sixty_fifth = _years_before(as_of, 65)  # born after it: under 65 on the month's last day
    days = (month.first, month.last)
    standings: dict[tuple[Any, ...], Standing] = {}
    seen_on: dict[dt.date | None, Seen] = {}
    tally = audit.tally

    @functools.cache
    def value(programs: tuple[str, ...], apcm_code: str | None) -> int:
        return _value(policy, prices, programs, apcm_code, practice.setting)

    for chunk in facts.chunks(practice, month, own):
        conditions, visits, coverage = chunk.conditions, chunk.visits, chunk.coverage
        elsewhere = chunk.elsewhere
        rows: list[Row] = []
        append = rows.append
        for pk, source_id, mrn, deceased, part_b, qmb, state, animal, born in chunk.patients:
            key = (
                conditions.get(pk, ""),
                coverage.get(pk),
                coverage_rules.stored(state, part_b, qmb),
                deceased,
                enrolled.get(pk, ""),
                elsewhere.get(pk, ""),
                animal,
                born > sixty_fifth,
            )
            standing = standings.get(key)
            if standing is None:
                if len(standings) >= STANDINGS_HELD:
                    standings.clear()
                    rules.forget()  # its cache of decided facts would grow with the practice
                    audit.fold()
                standing = standings[key] = _standing(rules, value, days, *key)
            if standing.deceased:
                seen = NOT_SEEN
            else:
                day = visits.get(pk)
                seen_that_day = seen_on.get(day)
                if seen_that_day is None:
                    seen_that_day = seen_on[day] = Seen.of(rules.visit_half(day))
                seen = seen_that_day
            tally[standing] += 1
            append((standing.rank, source_id, pk, mrn, standing, seen))
        write(rows)
        if progress:
            progress(len(rows))
    return audit


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _standing(
    rules: GapRules,
    value: Callable[[tuple[str, ...], str | None], int],
    days: tuple[dt.date, dt.date],
    codes: str,
    coverage_rows: tuple[CoverageRow, ...] | None,
    own: coverage_rules.CoverageStanding,
    deceased: dt.date | None,
    program_in: str,
    elsewhere: str,
    animal: bool,
    under_65: bool,
) -> Standing:
    """One standing: conditions, coverage (imported rows as of the audit month, else the
    patient's own), death, enrolment; coverage words from ccm.rules.coverage."""
    found = standing_as_of(coverage_rows, *days) if coverage_rows else own
    if animal:  # a veterinary patient (Patient.animal): never a Medicare opportunity
        found = coverage_rules.CoverageStanding("none", "", ANIMAL)
    part_b, qmb, state = found.part_b, found.qmb, found.state
    dead = rules.died(deceased)
    conditions = facts.condition_facts(codes) if codes else ()
    named = state if state in ("medicare_advantage", "no_part_b") else ""
    half = rules.facts_half(conditions, part_b, qmb if part_b is not None else None, dead, named)
    verdict = join(half, NO_VISIT, dead is not None)  # the visit half changes no program
    expected = value(verdict.programs, verdict.apcm_code)
    extra = [found.note] if found.note else []
    unknown = under_65 and state == "unverified"
    if unknown:
        extra.insert(0, coverage_rules.MEDICARE_STATUS_UNKNOWN)
    if found.dual and state == "part_b":
        extra.append(coverage_rules.cost_sharing_words(found.dual))
    coverage = state
    if program_in:
        extra.append(f"enrolled in {program_in.upper()}")
    if elsewhere:
        extra.append(elsewhere)
    return Standing(
        eligible=verdict.programs,
        coverage=coverage,
        expected_cents=0 if verdict.dead or coverage not in ("part_b", "unverified") else expected,
        deceased=verdict.dead,
        status_unknown=unknown,
        enrolled_program=program_in,
        enrolled_elsewhere=bool(elsewhere),
        ccm=half.ccm,
        apcm=half.apcm,
        extra=tuple(extra),
    )


def _value(
    policy: MonthPolicy,
    prices: dict[str, int],
    programs: tuple[str, ...],
    apcm_code: str | None,
    setting: str = "office",
) -> int:
    """The best monthly amount of the programs the patient qualifies for, in cents: CCM's base
    code for 2+ conditions, PCM's only for a single one, APCM at its level; an RHC/FQHC's code
    for its clinic type and the month (G0511 through 2025-09-30) (`MonthPolicy`)."""
    codes = [
        policy.usual_code(program, setting=setting)
        for program in ("ccm", "pcm")
        if program in programs
    ][:1]
    if "apcm" in programs:
        codes.append(apcm_code or policy.usual_code("apcm"))
    return max((prices.get(code, 0) for code in codes), default=0)


def _count(sums: Counter[str], standing: Standing, n: int) -> None:
    """Add N patients of STANDING to the summary's sums."""
    if standing.coverage == "part_b" and not standing.deceased:
        for program in standing.eligible:
            sums[program] += n
    sums["patients"] += n
    sums["enrolled"] += n * bool(standing.enrolled_program)
    sums["deceased"] += n * standing.deceased
    sums["elsewhere"] += n * standing.enrolled_elsewhere
    sums["advantage"] += n * (standing.coverage == "medicare_advantage")
    sums["status_unknown"] += n * standing.status_unknown
    if standing.opportunity:
        sums["opportunities"] += n
        sums["uncaptured"] += n * standing.expected_cents
    elif standing.unverified:
        sums["unverified"] += n
        sums["unverified_cents"] += n * standing.expected_cents


def summarize(audit: Audit) -> dict[str, Any]:
    """Everything of the JSON document but the patients, summed over standings, not patients."""
    audit.fold()
    sums = audit.sums
    eligible = {program: sums[program] for program in ("ccm", "pcm", "apcm")}
    enrolled, opportunities, unverified = (
        sums["enrolled"],
        sums["opportunities"],
        sums["unverified"],
    )
    deceased, elsewhere = sums["deceased"], sums["elsewhere"]
    uncaptured, unverified_cents = sums["uncaptured"], sums["unverified_cents"]
    return {
        "practice": audit.practice.slug,
        "month": str(audit.month),
        "counts": {
            "patients": sums["patients"],
            "eligible": eligible,
            "enrolled": enrolled,
            "billed": audit.billed,
            "opportunities": opportunities,
            "coverage_unverified": unverified,
            "deceased": deceased,
            "enrolled_elsewhere": elsewhere,
            "medicare_advantage": sums["advantage"],
            "medicare_status_unknown": sums["status_unknown"],
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
    }
