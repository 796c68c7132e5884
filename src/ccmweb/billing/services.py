"""The month close: build every enrolled patient's month, run the rules, persist what they decide.

Transactional and idempotent: the practice-month's MonthClose row is locked for the whole run,
a second run compares fingerprints with what exists and changes only what differs. Patients go
BATCH at a time (batch.py) with a constant number of queries per batch and COPY on PostgreSQL;
what happens to claims (create, replace, void, never edit) is in settle.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules.parameters import all_parameters
from ccm.types import MonthCase, MonthResult
from ccmweb.longrun import quiet_collector
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Practice

from .models import BillingSettings, Claim, MonthClose

BASE_MINUTES = {"ccm": 20, "pcm": 30}
FIXES = {
    "§9": "Verify Medicare Part B coverage for the month (Coverage record or eligibility check).",
    "§3": "Record the patient's consent (Enrollment page), or check the revocation date.",
    "§4": "Record the billing practitioner's initiating visit within 12 months before consent.",
    "§5": "Establish and sign the comprehensive care plan.",
    "§2": "Document at least two chronic conditions expected to last 12 months or more.",
    "§8": "Another service billed this month excludes CCM; bill one or the other.",
}


def is_month_closed(practice: Any, month: BillingMonth) -> bool:
    """A month is closed once a close has run for it; later time then becomes an amendment."""
    return MonthClose.objects.filter(
        practice=practice, month=month.first, status=MonthClose.Status.CLOSED
    ).exists()


def billing_settings(practice: Practice) -> BillingSettings:
    """The practice's billing settings, created with the defaults on first use."""
    found = BillingSettings.objects.filter(practice=practice).first()
    if found is None:
        try:
            with transaction.atomic():
                found = BillingSettings.objects.create(
                    organization_id=practice.organization_id, practice=practice
                )
        except IntegrityError:  # a concurrent close made it first
            found = BillingSettings.objects.get(practice=practice)
    return found


def enrolled_patient_ids(practice: Practice) -> list[int]:
    """Patients who ever consented to a program with this practice (revoked ones included:
    the month of a revocation still bills, cms-rules §3)."""
    from ccmweb.enrollment.models import ConsentRecord

    return sorted(
        set(
            ConsentRecord.objects.filter(
                patient__practice=practice, decision="accepted"
            ).values_list("patient_id", flat=True)
        )
    )


def billing_practitioner_ids(patient_ids: list[int], month: BillingMonth) -> dict[int, int | None]:
    """Each patient's billing practitioner (id) from the latest accepted consent: the
    rendering provider on the claim (cms-rules §3)."""
    from ccmweb.enrollment.models import ConsentRecord
    from ccmweb.sql import IdList

    found: dict[int, int | None] = {}
    for pid, practitioner in (
        ConsentRecord.objects.filter(
            patient_id__in=IdList(patient_ids), decision="accepted", effective_date__lte=month.last
        )
        .order_by("effective_date", "obtained_at", "pk")
        .values_list("patient_id", "billing_practitioner_id")
    ):
        found[pid] = practitioner
    return found


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def case_to_json(case: MonthCase) -> dict[str, Any]:
    """The MonthCase in the contract's input shape: the snapshot kept for the audit.

    Written out field by field (not dataclasses.asdict): the close calls it once per
    patient-month, and asdict's deep copy was a tenth of the close's time.
    """
    practice, patient, enrollment = case.practice, case.patient, case.enrollment
    return {
        "month": str(case.month),
        "practice": {
            "setting": practice.setting,
            "locality": practice.locality,
            "qualifying_apm": practice.qualifying_apm,
        },
        "patient": {
            "medicare_part_b": patient.medicare_part_b,
            "qmb": patient.qmb,
            "chronic_conditions": list(patient.chronic_conditions),
        },
        "enrollment": {
            "program": enrollment.program,
            "consent_date": _day(enrollment.consent_date),
            "consent_revoked_date": _day(enrollment.consent_revoked_date),
            "initiating_visit_date": _day(enrollment.initiating_visit_date),
            "care_plan_date": _day(enrollment.care_plan_date),
        },
        "mdm": case.mdm,
        "time": [
            {"date": t.date.isoformat(), "minutes": t.minutes, "performer": t.performer,
             "service": t.service}
            for t in case.time
        ],
        "other_services": [
            {"code": o.code, "date": _day(o.date), "same_practitioner": o.same_practitioner}
            for o in case.other_services
        ],
    }  # fmt: skip


def policy_in_force(month: BillingMonth) -> dict[str, Any]:
    """Every rule parameter's value on the month's last day (thresholds, caps, factors)."""
    found = {}
    for name, parameter in all_parameters().items():
        try:
            found[name] = parameter.on(month.last)
        except (KeyError, ValueError, LookupError):
            continue
    return json.loads(json.dumps(found, default=str))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Verdict:
    """What the close makes of one patient-month."""

    status: str
    reason: str = ""
    fix: str = ""


def verdict(
    case: MonthCase, result: MonthResult, patient: Patient, billed_elsewhere: bool
) -> Verdict:
    """Billable, held (work was done but something fixable stops it) or nothing to bill."""
    if result.lines:
        if not patient.mbi:
            return Verdict(
                "held",
                "No Medicare Beneficiary Identifier on file",
                "Record the patient's MBI from the Medicare card.",
            )
        if not (patient.address_line and patient.city and patient.state and patient.postal_code):
            return Verdict(
                "held",
                "No complete mailing address on file",
                "Record the patient's street, city, state and ZIP (the 837P needs them).",
            )
        if billed_elsewhere:
            return Verdict(
                "held",
                "CCM for this month is billed by another practice",
                "Only one practitioner is paid for CCM a month (cms-rules §8): "
                "do not bill unless the other claim is voided.",
            )
        return Verdict("billable")
    program = case.enrollment.program
    worked = sum(t.minutes for t in case.time if t.service == program)
    stops = [f for f in result.findings if any(k in f.rule for k in FIXES)]
    if stops and (worked >= BASE_MINUTES.get(program, 0)):
        first = stops[0]
        section = next(k for k in FIXES if k in first.rule)
        return Verdict("held", f"{first.text} ({first.rule})"[:300], FIXES[section])
    return Verdict("nothing", (result.findings[-1].text if result.findings else "")[:300])


def _lock_close(practice: Practice, month: BillingMonth) -> MonthClose:
    """Create the practice-month row if needed, then lock it until the transaction ends."""
    try:
        with transaction.atomic():
            MonthClose.objects.get_or_create(
                organization_id=practice.organization_id, practice=practice, month=month.first
            )
    except IntegrityError:
        pass  # another close created it first
    return MonthClose.objects.select_for_update().get(practice=practice, month=month.first)


def _check_keys_as_written() -> None:
    """Foreign keys checked at the end of each COPY, not all at commit (PostgreSQL): the
    checks then run while the next batch is decided, not after the last one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _check_keys_at_commit() -> None:
    """Back to Django's deferred checks for the rest of the caller's transaction (every
    deferrable constraint of the schema is initially deferred, so ALL restores them all)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def close_month(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonthClose:
    """Close MONTH for PRACTICE (run inside the organisation's scope); safe to repeat.

    Patients go BATCH at a time (batch.py): a constant number of queries per batch to read
    the months as rows, a fingerprint to skip the unchanged ones, and one COPY per table for
    what they decide, running while the next batch is decided. The policy in force is kept
    once, on the MonthClose.
    """
    from .batch import CloseRun, close_batches, run_digest

    now = now or timezone.now()
    settings = billing_settings(practice)
    policy = policy_in_force(month)
    run = CloseRun(practice, month, settings, run_digest(policy, settings), now)
    with transaction.atomic(), quiet_collector():
        close = _lock_close(practice, month)
        _check_keys_as_written()
        close_batches(enrolled_patient_ids(practice), run, progress)
        _check_keys_at_commit()
        close.status = MonthClose.Status.CLOSED
        close.closed_at = close.closed_at or now
        close.run_at = now
        close.runs += 1
        close.billable, close.held, close.nothing = (
            run.counts["billable"],
            run.counts["held"],
            run.counts["nothing"],
        )
        close.claims = (
            Claim.objects.filter(practice=practice, month=month.first, current=True)
            .exclude(frequency=Claim.Frequency.VOID)
            .count()
        )
        close.total = run.total
        close.policy = policy
        close.save()
    return close
