"""Enrollment services: consent, revocation, the initiating visit, and what the patient will owe.

Other apps call `enrollment_facts` / `enrollment_facts_for` (see facts.py) to build month cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules import cost_sharing, month_policy, usual_coinsurance
from ccmweb.patients.models import Encounter
from ccmweb.patients.picture import TIMELINE, kept
from ccmweb.tenants.localtime import local_today
from ccmweb.timelog.month_case import practice_facts

from .facts import (
    EnrollmentFacts,
    choose_initiating_visit,
    enrollment_facts,
    enrollment_facts_for,
    is_initiating_visit,
)
from .models import ConsentRecord, Enrollment

__all__ = [
    "EnrollmentFacts",
    "enrollment_facts",
    "enrollment_facts_for",
    "expected_monthly_coinsurance",
    "record_consent",
    "revoke_consent",
]


def chronic_condition_codes(patient: Any, as_of: dt.date) -> list[str]:
    """The patient's active ICD-10-CM codes on a date (the rules core decides which are chronic)."""
    rows = patient.conditions.filter(clinical_status__in=["active", "recurrence", "relapse"])
    return [
        c.icd10_code
        for c in rows
        if c.icd10_code
        and (c.onset_date is None or c.onset_date <= as_of)
        and (c.abatement_date is None or c.abatement_date > as_of)
    ]


def expected_monthly_coinsurance(patient: Any, program: str, as_of: dt.date) -> Decimal | None:
    """What the patient should expect to owe a month under PROGRAM, at the practice's rates; 0
    for a QMB (`ccm.rules.usual_coinsurance`, cms-rules §9). None when no fee schedule prices it."""
    codes = () if patient.qmb else tuple(chronic_condition_codes(patient, as_of))
    return usual_coinsurance(
        program, codes, bool(patient.qmb), practice_facts(patient.practice), as_of
    )


def disclosure_script(practice: Any, program: str, coinsurance: Decimal | None, on: dt.date) -> str:
    """The words staff read before asking for consent, in the practice's name (cms-rules §3):
    the patient's share as the core has it for this clinic type (an FQHC waives the Part B
    deductible, cms-rules §13)."""
    name = practice.patient_facing_name
    label = {
        "ccm": "chronic care management",
        "pcm": "principal care management",
        "apcm": "advanced primary care management",
    }[program]
    sharing = cost_sharing(practice.setting, on)
    deductible = (
        ", plus any Part B deductible not yet met"
        if sharing.deductible_applies
        else "; the Part B deductible does not apply to this service here"
    )
    cost = (
        "You will not owe anything for this service."
        if coinsurance == Decimal("0.00")
        else f"Medicare's usual cost sharing applies: your coinsurance is expected to be about "
        f"${coinsurance} a month{deductible}; a supplemental plan may cover it."
        if coinsurance is not None
        else f"Medicare's usual deductible and {sharing.coinsurance_percent} coinsurance apply."
        if sharing.deductible_applies
        else f"Medicare's usual {sharing.coinsurance_percent} coinsurance applies; the Part B "
        f"deductible does not apply to this service here."
    )
    return "\n".join(
        [
            f"{name} offers {label} services: a care team member will check in with you between "
            f"visits, keep your care plan up to date and help coordinate your care.",
            f"Only one practitioner can provide and be paid for {label} in a calendar month.",
            "You may stop at any time; stopping takes effect at the end of that calendar month.",
            cost,
            "Do you agree to receive these services?",
        ]
    )


def _apply(record: ConsentRecord) -> None:
    """Keep the patient's current `Enrollment` in step with the newest record."""
    current = Enrollment.objects.filter(patient=record.patient).first()
    if record.decision == ConsentRecord.Decision.DECLINED:
        if current is not None and current.status == Enrollment.Status.ENROLLED:
            return  # a decline of another offer does not end a running enrollment
        status = Enrollment.Status.DECLINED
    elif record.decision == ConsentRecord.Decision.REVOKED:
        status = Enrollment.Status.REVOKED
    else:
        status = Enrollment.Status.ENROLLED
    values = {
        "program": record.program,
        "billing_practitioner": record.billing_practitioner,
        "status": status,
        "consent": record,
        "organization": record.organization,
    }
    Enrollment.objects.update_or_create(patient=record.patient, defaults=values)


@transaction.atomic
def record_consent(
    patient: Any,
    *,
    program: str,
    billing_practitioner: Any,
    decision: str,
    method: str,
    obtained_by: Any,
    effective_date: dt.date | None = None,
    decline_reason: str = "",
    document: Any = None,
    now: dt.datetime | None = None,
) -> ConsentRecord:
    """Append an accepted or declined consent with the disclosures as shown (cms-rules §3)."""
    if decision not in ("accepted", "declined"):
        raise ValueError("decision must be accepted or declined")
    if decision == "declined" and not decline_reason.strip():
        raise ValueError("a declined consent needs a reason")
    if method == "written" and decision == "accepted" and not document:
        raise ValueError("written consent needs the signed form")
    now = now or timezone.now()
    day = effective_date or local_today(patient.practice, now)
    died = patient.deceased_date
    if decision == "accepted" and died is not None and died <= day:
        raise ValueError(
            f"the patient died {died.isoformat()} (date of death in the record): no enrolment"
        )
    coinsurance = expected_monthly_coinsurance(patient, program, day)
    record = ConsentRecord(
        organization=patient.organization,
        patient=patient,
        program=program,
        billing_practitioner=billing_practitioner,
        decision=decision,
        method=method,
        obtained_by=obtained_by,
        obtained_at=now,
        effective_date=day,
        decline_reason=decline_reason.strip(),
        disclosures_shown=disclosure_script(patient.practice, program, coinsurance, day),
        expected_coinsurance=coinsurance,
    )
    if document:
        record.document.save(document.name.rsplit("/", 1)[-1], document, save=False)
    record.save()
    _apply(record)
    return record


@transaction.atomic
def revoke_consent(
    patient: Any,
    *,
    obtained_by: Any,
    method: str = "verbal",
    effective_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ConsentRecord:
    """Append a revocation; it takes effect at the end of its calendar month (cms-rules §3)."""
    enrollment = Enrollment.objects.filter(patient=patient, status="enrolled").first()
    if enrollment is None:
        raise ValueError("the patient has no consent to revoke")
    now = now or timezone.now()
    record = ConsentRecord(
        organization=patient.organization,
        patient=patient,
        program=enrollment.program,
        billing_practitioner=enrollment.billing_practitioner,
        decision=ConsentRecord.Decision.REVOKED,
        method=method,
        obtained_by=obtained_by,
        obtained_at=now,
        effective_date=effective_date or local_today(patient.practice, now),
        disclosures_shown="",
        expected_coinsurance=None,
    )
    record.save()
    _apply(record)
    return record


def effective_end(revocation: ConsentRecord) -> dt.date:
    """The last day a revoked consent still covers: the end of its month (cms-rules §3)."""
    return BillingMonth.of(revocation.effective_date).last


@dataclass(frozen=True)
class ConsentWindow:
    """The dates a consent may carry: a paper consent signed earlier is dated when it was signed,
    no further back than the initiating-visit look-back, and never after today (cms-rules §3, §4)."""

    earliest: dt.date
    latest: dt.date
    window: str

    def problem(self, day: dt.date) -> str | None:
        """Why DAY cannot be the consent's date, in words; None when it can."""
        if day > self.latest:
            return "The consent date cannot be in the future."
        if day < self.earliest:
            return (
                f"The consent date cannot be before {self.earliest.isoformat()} "
                f"(the initiating-visit window is {self.window})."
            )
        return None


def consent_window(program: str, today: dt.date) -> ConsentWindow:
    """The consent dates the form accepts on TODAY (the practice's date) for PROGRAM."""
    policy = month_policy(BillingMonth.of(today))
    return ConsentWindow(
        policy.earliest_consent(program, today), today, policy.visit_window(program)
    )


@dataclass(frozen=True)
class VisitState:
    """The initiating visit on record for the panel, or that one is needed (cms-rules §4)."""

    date: dt.date | None
    needed: bool
    window: str


def initiating_visit_state(patient: Any, facts: EnrollmentFacts, today: dt.date) -> VisitState:
    """With consent, the visit that opened the program; without, the latest within the window."""
    program = facts.program or "ccm"
    policy = month_policy(BillingMonth.of(today))
    window = policy.visit_window(program)
    if facts.program and facts.initiating_visit_date and facts.consent_date:
        recorded = facts.initiating_visit_date
        ok = recorded >= policy.earliest_visit(program, facts.consent_date)
        return VisitState(recorded, not ok, window)
    rows = patient.encounters.filter(date__lte=today).values_list(
        "date", "type_code", "encounter_class", "practitioner_id"
    )
    visits = [(d, by) for d, code, klass, by in rows if is_initiating_visit(code, klass)]
    visit = choose_initiating_visit(visits, facts.program, None, None, today)
    ok = visit is not None and visit >= policy.earliest_visit(program, today)
    return VisitState(visit, not ok, window)


def record_initiating_visit(
    patient: Any, *, date: dt.date, code: str, practitioner: Any
) -> Encounter:
    """A visit entered by hand is an Encounter like an imported one."""
    if not is_initiating_visit(code, "AMB"):
        raise ValueError("not a qualifying initiating-visit code")
    return Encounter.objects.create(
        organization=patient.organization,
        patient=patient,
        date=date,
        encounter_class=Encounter.Class.AMBULATORY,
        type_system="cpt" if code[0].isdigit() else "hcpcs",
        type_code=code,
        type_display="Initiating visit (entered)",
        practitioner=practitioner,
    )


def latest_consents(patient: Any) -> list[ConsentRecord]:
    """The patient's latest consent records, newest first (the timeline's and the panel's)."""
    return kept(
        patient,
        "consents",
        lambda: list(
            ConsentRecord.objects.filter(patient=patient)
            .select_related("billing_practitioner", "obtained_by")
            .order_by("-obtained_at", "-pk")[:TIMELINE]
        ),
    )
