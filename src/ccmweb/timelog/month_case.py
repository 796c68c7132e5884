"""Assemble the rules core's MonthCase for patient-months from the database.

`month_cases(patients, month)` runs a constant number of queries whatever the batch size, so
the month close can build 1,000,000 cases in batches and the worklist 400 in one go. Month
boundaries are the practice's local month (its time zone), as the contract requires.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from ccm.codes.conditions import classify_snomed
from ccm.periods import BillingMonth
from ccm.rules.eligibility import ACTIVE_STATUSES
from ccm.types import Enrollment, MonthCase, OtherService
from ccm.types import Patient as PatientFacts
from ccm.types import Practice as PracticeFacts
from ccm.types import TimeEntry as TimeFacts
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.sql import IdList
from ccmweb.tenants.models import Practice

from .models import MonthMDM, Performer, TimeEntry

BILLED_CODE_SYSTEMS = ("cpt", "hcpcs")


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


@cache
def last_day(month: BillingMonth) -> dt.date:
    """The month's last day, worked out once: a worklist of 400 rows asks for it often."""
    return month.last


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The practice-local calendar date of an aware moment."""
    return moment.astimezone(zone(time_zone)).date()


def month_bounds(month: BillingMonth, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a practice-local month as aware datetimes."""
    tz = zone(time_zone)
    start = dt.datetime.combine(month.first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(month.next().first, dt.time(), tzinfo=tz)
    return start, end


def enrollment_facts_for(patient_ids: list[int], month: BillingMonth) -> dict[int, Any]:
    """The enrollment helper's facts; until its app provides them, nobody is enrolled."""
    try:
        from ccmweb.enrollment.services import enrollment_facts_for as facts_for
    except ImportError:
        return {}
    return facts_for(patient_ids, month)


def practice_facts(practice: Any) -> PracticeFacts:
    return PracticeFacts(
        setting=practice.setting,
        locality=practice.locality or None,
        qualifying_apm=bool(getattr(practice, "qualifying_apm", False)),
    )


def chronic_codes(conditions: Iterable[tuple[Any, ...]], month: BillingMonth) -> tuple[str, ...]:
    """Active ICD-10-CM codes on record by the month's end; SNOMED-only ones mapped where ccm.codes can.

    CONDITIONS are (icd10_code, snomed_code, clinical_status, onset_date, abatement_date) rows.
    """
    codes: list[str] = []
    first, last = month.first, last_day(month)
    for icd10, snomed, status, onset, abatement in conditions:
        if status not in ACTIVE_STATUSES:
            continue
        if onset and onset > last:
            continue
        if abatement and abatement < first:
            continue
        code = icd10
        if not code and snomed:
            match = classify_snomed(snomed)
            code = match.icd10cm if match and match.icd10cm else ""
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


def _id(value: Any) -> int | None:
    """A practitioner given as a model instance or as its id."""
    if value is None:
        return None
    return value if isinstance(value, int) else getattr(value, "pk", None)


@dataclass(frozen=True, slots=True)
class CaseRows:
    """What the cases of a batch of patients are built from, read in a constant number of
    queries (read_case_rows) apart from the building (build_cases): the month close reads a
    batch's rows before handing the previous batch's writes to its database thread, and builds
    the cases while that thread writes."""

    facts: dict[int, Any]
    conditions: dict[int, list[tuple[Any, ...]]]
    encounters: dict[int, list[tuple[Any, ...]]]
    mdm: dict[int, str]
    entries: dict[int, list[tuple[Any, ...]]]


def read_case_rows(
    ids: list[int],
    month: BillingMonth,
    facts: dict[int, Any] | None = None,
    conditions: dict[int, list[tuple[Any, ...]]] | None = None,
    mdm: dict[int, str] | None = None,
    entries: dict[int, list[tuple[Any, ...]]] | None = None,
) -> CaseRows:
    """The rows the MonthCases of patients IDS are built from (their enrollment FACTS,
    CONDITIONS (all, or the active ones: chronic_codes counts only those), MDM levels and time
    ENTRIES (those started within entry_window) read here unless given)."""
    facts = enrollment_facts_for(ids, month) if facts is None else facts
    # One id list rendered once for every query below (Django prepares an IN list per filter).
    chosen = IdList(ids)

    if conditions is None:
        conditions = defaultdict(list)
        for row in Condition.objects.filter(patient_id__in=chosen).values_list(
            "patient_id",
            "icd10_code",
            "snomed_code",
            "clinical_status",
            "onset_date",
            "abatement_date",
        ):
            conditions[row[0]].append(row[1:])

    encounters: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for pid, day, code, by in (
        Encounter.objects.filter(
            patient_id__in=chosen,
            date__gte=month.first,
            date__lte=month.last,
            type_system__in=BILLED_CODE_SYSTEMS,
        )
        .values_list("patient_id", "date", "type_code", "practitioner_id")
        .order_by("date")
    ):
        encounters[pid].append((day, code, by))

    if mdm is None:
        mdm = dict(
            MonthMDM.objects.filter(patient_id__in=chosen, month=month.first).values_list(
                "patient_id", "level"
            )
        )

    if entries is None:
        wide_start, wide_end = entry_window(month)
        entries = defaultdict(list)
        for entry in TimeEntry.objects.filter(
            patient_id__in=chosen, started_at__gte=wide_start, started_at__lt=wide_end
        ).values_list("patient_id", *ENTRY_FIELDS):
            entries[entry[0]].append(entry[1:])
    return CaseRows(facts, conditions, encounters, mdm, entries)


#: The columns of a time entry a month case reads, in build_cases' order.
ENTRY_FIELDS = ("id", "amends_id", "started_at", "minutes", "performer", "program", "countable")


def entry_window(month: BillingMonth) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the time entries that may fall in MONTH: wide enough for every time
    zone (UTC−12 … UTC+14); each entry is then placed by its practice-local date."""
    start = dt.datetime.combine(month.first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(month.next().first + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, end


def month_cases(patients: Iterable[Patient], month: BillingMonth) -> dict[int, MonthCase]:
    """MonthCase per patient id for MONTH, in a constant number of queries (patients need .practice)."""
    patients = list(patients)
    if not patients:
        return {}
    return build_cases(patients, month, read_case_rows([p.pk for p in patients], month))


class CasePatient(Protocol):
    """What build_cases reads of a patient: the model, or the close's lighter PatientRow."""

    @property
    def pk(self) -> int: ...
    @property
    def practice(self) -> Practice: ...
    @property
    def part_b(self) -> bool | None: ...  # None: not known
    @property
    def qmb(self) -> bool: ...


def build_cases(
    patients: Sequence[CasePatient], month: BillingMonth, rows: CaseRows
) -> dict[int, MonthCase]:
    """MonthCase per patient id from the rows read_case_rows read for them (no queries)."""
    facts, conditions, encounters, mdm, entries = (
        rows.facts, rows.conditions, rows.encounters, rows.mdm, rows.entries
    )  # fmt: skip
    cases: dict[int, MonthCase] = {}
    for patient in patients:
        time_zone = patient.practice.time_zone
        enrolled = facts.get(patient.pk)
        billing_practitioner = _id(getattr(enrolled, "billing_practitioner", None))
        time = []
        own = entries.get(patient.pk, [])
        # An amended entry gives way to its latest amendment (the original stays on record).
        latest: dict[int, int] = {}
        for pk, amends, *_ in own:
            if amends:
                latest[amends] = max(pk, latest.get(amends, 0))
        # In the order they started (so by local date), whatever order they were read in.
        for pk, amends, started_at, minutes, performer, program, countable in sorted(
            own, key=_started_then_id
        ):
            day = local_date(started_at, time_zone)
            if pk in latest or (amends and latest[amends] != pk) or not month.contains(day):
                continue
            time.append(
                TimeFacts(day, minutes, performer if countable else Performer.OTHER, program)
            )
        cases[patient.pk] = MonthCase(
            month=month,
            practice=practice_facts(patient.practice),
            patient=PatientFacts(
                medicare_part_b=bool(patient.part_b),
                qmb=patient.qmb,
                chronic_conditions=chronic_codes(conditions.get(patient.pk, ()), month),
            ),
            enrollment=Enrollment(
                program=getattr(enrolled, "program", None) or "ccm",
                consent_date=getattr(enrolled, "consent_date", None),
                consent_revoked_date=getattr(enrolled, "consent_revoked_date", None),
                initiating_visit_date=getattr(enrolled, "initiating_visit_date", None),
                care_plan_date=getattr(enrolled, "care_plan_date", None),
            ),
            mdm=mdm.get(patient.pk, "low"),
            time=tuple(time),
            other_services=tuple(
                OtherService(
                    code.strip().upper(),
                    day,
                    billing_practitioner is None or by == billing_practitioner,
                )
                for day, code, by in encounters.get(patient.pk, ())
                if code.strip()
            ),
        )
    return cases


def _started_then_id(entry: tuple[Any, ...]) -> tuple[dt.datetime, int]:
    return entry[2], entry[0]


def month_case(
    patient: Patient, month: BillingMonth, mdm: dict[int, str] | None = None
) -> MonthCase:
    """The MonthCase of one patient-month, from what the patient page's other panels read: the
    enrollment facts (enrollment.facts.enrollment_facts keeps them on the patient), the active
    conditions (patients.picture.active_conditions), the month's time entries when the
    timeline's latest entries hold them all (services.latest_entries) and, when the caller has
    read it, the month's MDM level by patient id (the time panel's; read here otherwise)."""
    from ccmweb.enrollment.facts import enrollment_facts
    from ccmweb.patients.picture import active_conditions, holds_all

    from .services import latest_entries

    facts = {patient.pk: enrollment_facts(patient, month)}
    conditions = {
        patient.pk: [
            (c.icd10_code, c.snomed_code, c.clinical_status, c.onset_date, c.abatement_date)
            for c in active_conditions(patient)
        ]
    }
    start, end = entry_window(month)
    latest = latest_entries(patient)  # newest first
    entries = None
    if holds_all(latest, since=start, at="started_at"):  # every entry since start
        entries = {
            patient.pk: [
                tuple(getattr(e, name) for name in ENTRY_FIELDS)
                for e in latest
                if start <= e.started_at < end
            ]
        }
    rows = read_case_rows([patient.pk], month, facts, conditions, mdm, entries)
    return build_cases([patient], month, rows)[patient.pk]
