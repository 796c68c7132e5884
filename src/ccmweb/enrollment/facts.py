"""A patient's enrollment facts for a month, read from the append-only records.

These are the month contract's `enrollment` object (docs/spec/month-contract.md), computed
as of the month's last day: the timelog worklist and the billing month close build their
`MonthCase` from them. The bulk version runs a constant number of queries per call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ccm.codes import INITIATING_VISITS_CPT, INITIATING_VISITS_SNOMED
from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccm.types import Enrollment as CoreEnrollment
from ccmweb.sql import IdList
from ccmweb.tenants.models import Practitioner

#: Every code that can open a program (cms-rules §4); SNOMED types only with class AMB.
INITIATING_CODES = sorted(
    {c.code for c in INITIATING_VISITS_CPT} | {c.code for c in INITIATING_VISITS_SNOMED}
)
CHUNK = 5000
#: The billing practitioner's columns, read alongside each consent record (no extra query).
PRACTITIONER_FIELDS = [f.attname for f in Practitioner._meta.concrete_fields]


@dataclass(frozen=True, slots=True)
class EnrollmentFacts:
    """Program, billing practitioner and the four dates the month's gates read (cms-rules §3–§5)."""

    program: str | None = None
    billing_practitioner: Practitioner | None = None
    consent_date: dt.date | None = None
    consent_revoked_date: dt.date | None = None
    initiating_visit_date: dt.date | None = None
    care_plan_date: dt.date | None = None

    @property
    def billing_practitioner_id(self) -> int | None:
        return self.billing_practitioner.pk if self.billing_practitioner else None

    def to_core(self) -> CoreEnrollment | None:
        """The pure core's `Enrollment`, or None when the patient never consented to a program."""
        if self.program is None:
            return None
        return CoreEnrollment(
            program=self.program,
            consent_date=self.consent_date,
            consent_revoked_date=self.consent_revoked_date,
            initiating_visit_date=self.initiating_visit_date,
            care_plan_date=self.care_plan_date,
        )

    def as_json(self) -> dict[str, Any]:
        """The contract's `enrollment` object (program null when not enrolled)."""

        def day(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "program": self.program,
            "consent_date": day(self.consent_date),
            "consent_revoked_date": day(self.consent_revoked_date),
            "initiating_visit_date": day(self.initiating_visit_date),
            "care_plan_date": day(self.care_plan_date),
        }


def is_initiating_visit(code: str, encounter_class: str) -> bool:
    """A qualifying face-to-face visit: E/M, AWV, IPPE, TCM; SNOMED office visits only if ambulatory."""
    if code in INITIATING_VISITS_CPT:
        return True
    return encounter_class.upper() == "AMB" and code in INITIATING_VISITS_SNOMED


def choose_initiating_visit(
    visits: Sequence[tuple[dt.date, int | None]],
    program: str | None,
    practitioner_id: int | None,
    consent_date: dt.date | None,
    month_end: dt.date,
) -> dt.date | None:
    """The visit that opened the program: the latest within the window before consent, else the
    first after it; by the billing practitioner (or an unrecorded one) (cms-rules §4)."""
    days = sorted(
        day
        for day, by in visits
        if day <= month_end and (practitioner_id is None or by in (None, practitioner_id))
    )
    if not days:
        return None
    if consent_date is None:
        return days[-1]
    since = month_policy(BillingMonth.of(month_end)).earliest_visit(program or "ccm", consent_date)
    before = [d for d in days if since <= d <= consent_date]
    if before:
        return before[-1]
    after = [d for d in days if d > consent_date]
    return after[0] if after else days[-1]


def _program_state(
    consents: list[tuple[str, str, dt.date, int | None]],
) -> tuple[tuple[str, str, dt.date, int | None] | None, dt.date | None]:
    """The last accepted consent and its revocation date, from (decision, program,
    effective_date, billing_practitioner_id) rows in decision order."""
    current, revoked = None, None
    for record in consents:
        decision, _, effective_date, _ = record
        if decision == "accepted":
            current, revoked = record, None
        elif decision == "revoked" and current is not None and revoked is None:
            revoked = effective_date
    return current, revoked


def enrollment_facts_for(
    patient_ids: list[int],
    month: BillingMonth,
    *,
    consents: dict[int, list[Any]] | None = None,
    plans: dict[int, list[dt.date | None]] | None = None,
) -> dict[int, EnrollmentFacts]:
    """Facts for many patients as of the month's end, in three queries per 5,000 patients.

    Consents are read as tuples, not model instances (the worklist builds 400 of these per
    page); each billing practitioner they name becomes one shared instance. The patient page
    gives what it has read already: CONSENTS (patient id → every ConsentRecord, with its
    billing practitioner) and PLANS (patient id → every care-plan version's effective date).
    """
    from ccmweb.careplans.models import CarePlanVersion
    from ccmweb.patients.models import Encounter

    end = month.last
    result: dict[int, EnrollmentFacts] = {}
    for start in range(0, len(patient_ids), CHUNK):
        ids = patient_ids[start : start + CHUNK]
        chosen = IdList(ids)
        if consents is None:
            programs, practitioners = _read_consents(chosen, end)
        else:
            programs, practitioners = _given_consents(consents, end)
        visits: dict[int, list[tuple[dt.date, int | None]]] = {}
        for pid, day, code, klass, by in Encounter.objects.filter(
            patient_id__in=chosen, date__lte=end, type_code__in=INITIATING_CODES
        ).values_list("patient_id", "date", "type_code", "encounter_class", "practitioner_id"):
            if is_initiating_visit(code, klass):
                visits.setdefault(pid, []).append((day, by))
        days: Iterable[tuple[int, dt.date | None]]
        if plans is None:
            days = CarePlanVersion.objects.filter(
                care_plan__patient_id__in=chosen, effective_from__lte=end
            ).values_list("care_plan__patient_id", "effective_from")
        else:
            days = [(pid, day) for pid, listed in plans.items() for day in listed]
        first_plan: dict[int, dt.date] = {}
        for pid, plan_day in days:
            if plan_day is None or plan_day > end:
                continue
            if pid not in first_plan or plan_day < first_plan[pid]:
                first_plan[pid] = plan_day
        for pid in ids:
            current, revoked = _program_state(programs.get(pid, []))
            if current is None:
                program = practitioner_id = consent_date = None
            else:
                _, program, consent_date, practitioner_id = current
            result[pid] = EnrollmentFacts(
                program=program,
                billing_practitioner=practitioners.get(practitioner_id)
                if practitioner_id
                else None,
                consent_date=consent_date,
                consent_revoked_date=revoked,
                initiating_visit_date=choose_initiating_visit(
                    visits.get(pid, []), program, practitioner_id, consent_date, end
                ),
                care_plan_date=first_plan.get(pid),
            )
    return result


ConsentRows = dict[int, list[tuple[str, str, dt.date, int | None]]]


def _read_consents(chosen: IdList, end: dt.date) -> tuple[ConsentRows, dict[int, Practitioner]]:
    """(decision, program, effective date, billing practitioner id) rows by patient in decision
    order, with the practitioners they name, read in one query."""
    from .models import ConsentRecord

    rows: ConsentRows = {}
    practitioners: dict[int, Practitioner] = {}
    records = (
        ConsentRecord.objects.filter(patient_id__in=chosen, effective_date__lte=end)
        .order_by("effective_date", "obtained_at", "pk")
        .values_list(
            "patient_id",
            "decision",
            "program",
            "effective_date",
            "billing_practitioner_id",
            *(f"billing_practitioner__{name}" for name in PRACTITIONER_FIELDS),
        )
    )
    for pid, decision, program, day, by, *practitioner in records:
        rows.setdefault(pid, []).append((decision, program, day, by))
        if by is not None and by not in practitioners:
            practitioners[by] = Practitioner.from_db(records.db, PRACTITIONER_FIELDS, practitioner)
    return rows, practitioners


def _given_consents(
    consents: dict[int, list[Any]], end: dt.date
) -> tuple[ConsentRows, dict[int, Practitioner]]:
    """_read_consents' rows from ConsentRecords already read (in _read_consents' order)."""
    rows: ConsentRows = {}
    practitioners: dict[int, Practitioner] = {}
    for pid, records in consents.items():
        for record in sorted(records, key=lambda r: (r.effective_date, r.obtained_at, r.pk)):
            if record.effective_date > end:
                continue
            by = record.billing_practitioner_id
            rows.setdefault(pid, []).append(
                (record.decision, record.program, record.effective_date, by)
            )
            if by is not None:
                practitioners.setdefault(by, record.billing_practitioner)
    return rows, practitioners


def enrollment_facts(patient: Any, month: BillingMonth) -> EnrollmentFacts:
    """One patient's facts as of the month's end (the bulk version, for one).

    Kept on the patient instance: the patient page's enrollment and time panels both ask, and
    three queries each time were a tenth of the page. Each request reads its own patient, so
    what is kept is never older than the request (the panels are built after its writes).
    The consents and care-plan versions are the ones the page's timeline lists (the consents
    only when it lists them all).
    """
    from ccmweb.careplans.services import versions_of
    from ccmweb.patients.picture import holds_all

    from .services import latest_consents

    kept = patient.__dict__.setdefault("_enrollment_facts", {})
    if month not in kept:
        records = latest_consents(patient)
        kept[month] = enrollment_facts_for(
            [patient.pk],
            month,
            consents={patient.pk: records} if holds_all(records) else None,
            plans={patient.pk: [v.effective_from for v in versions_of(patient)]},
        )[patient.pk]
    return kept[month]  # type: ignore[no-any-return]
