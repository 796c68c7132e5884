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
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules import month_policy, month_verdict
from ccm.types import MonthCase, MonthResult
from ccmweb.tenants.models import Practice

from .models import BillingSettings, Claim, MonthClose


def is_month_closed(practice: Any, month: BillingMonth) -> bool:
    """A month is closed once a close has run for it; later time then becomes an amendment."""
    return MonthClose.objects.filter(
        practice=practice, month=month.first, status=MonthClose.Status.CLOSED
    ).exists()


def settings_to_read(practice: Practice) -> BillingSettings:
    """The practice's billing settings for a page that only reads them: the saved row, or the
    defaults unsaved (a GET changes nothing)."""
    found = BillingSettings.objects.filter(practice=practice).first()
    return found or BillingSettings(organization_id=practice.organization_id, practice=practice)


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


def policy_in_force(month: BillingMonth) -> dict[str, Any]:
    """Every rule parameter's value on the month's last day (thresholds, caps, factors), as JSON."""
    in_force: dict[str, Any] = json.loads(json.dumps(month_policy(month).in_force(), default=str))
    return in_force


@dataclass(frozen=True)
class Verdict:
    """What the close makes of one patient-month."""

    status: str
    reason: str = ""
    fix: str = ""


class ClaimPatient(Protocol):
    """What the verdict reads of a patient: the model, or the close's lighter PatientRow."""

    @property
    def mbi(self) -> str: ...
    @property
    def address_line(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def postal_code(self) -> str: ...


def verdict(
    case: MonthCase, result: MonthResult, patient: ClaimPatient, billed_elsewhere: bool
) -> Verdict:
    """The rules' verdict (billable, held or nothing: `ccm.rules.month_verdict`), held as well
    when a billable month's claim lacks what an 837P needs of the patient."""
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
    found = month_verdict(case, result, billed_elsewhere=billed_elsewhere)
    return Verdict(found.status.value, found.reason[:300], found.fix)


MONTH_LOCK = 0x6363  # the advisory lock space of month locks ("cc")


def lock_month(practice: Any, month: BillingMonth) -> None:
    """Hold PRACTICE's MONTH until the transaction ends: its close and the writers that must
    not land in a closed month (a time entry) wait for each other, then see what the other
    did. PostgreSQL: an advisory lock (the close's MonthClose row may not exist yet for
    others to lock; two practices 100,000 ids apart share a key, which only serialises them);
    SQLite: its IMMEDIATE transactions already serialise every writer."""
    if connection.vendor == "postgresql":
        key = practice.pk % 100_000 * 10_000 + month.year % 100 * 100 + month.month
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [MONTH_LOCK, key])


def _lock_close(practice: Practice, month: BillingMonth) -> MonthClose:
    """Create the practice-month row if needed, then lock it until the transaction ends."""
    lock_month(practice, month)
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


class MonthNotOver(ValueError):
    """A month that has not ended in the practice's time zone cannot be closed (only billed early)."""


def month_not_over(practice: Practice, month: BillingMonth, now: dt.datetime) -> str | None:
    """Why MONTH cannot be closed yet at NOW, in words; None once it has ended where the
    practice is (its time zone: DESIGN.md "a calendar month is the practice's local month")."""
    from ccmweb.tenants.localtime import local_today

    if local_today(practice, now) > month.last:
        return None
    return (
        f"{month} has not ended for {practice.name}: its last day is {month.last:%Y-%m-%d} "
        f"({practice.time_zone}). Close it from {month.next().first:%Y-%m-%d}, or bill early the "
        "patients who met a threshold (the month stays open for time)."
    )


def close_month(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    early: bool = False,
) -> MonthClose:
    """Close MONTH for PRACTICE (run inside the organisation's scope); safe to repeat.

    A month that has not ended in the practice's time zone is refused (MonthNotOver), unless
    EARLY: then the patients who met a threshold are billed their base code (cms-rules §11),
    the month stays open for time, and the month-end close bills the add-on units.

    Patients go BATCH at a time (batch.py): a constant number of queries per batch to read
    the patients' revisions, the rows of the changed ones' months, a fingerprint to skip the
    unchanged ones, and one COPY per table for what they decide, running while the next
    batch is decided. The policy in force is kept
    once, on the MonthClose.
    """
    from .batch import CloseRun, close_batches, inputs_key, run_digest
    from .settle import retire_rejected_elsewhere

    now = now or timezone.now()
    not_over = month_not_over(practice, month, now)
    if not_over and not early:
        raise MonthNotOver(not_over)
    if early and not not_over:
        early = False  # the month has ended: a bill-early run is the month-end close
    settings = billing_settings(practice)
    policy = policy_in_force(month)
    run = CloseRun(practice, month, settings, run_digest(policy, settings, early), now, early=early)
    outermost = not connection.in_atomic_block  # the inputs can then be read apart (batch.Reader)
    with transaction.atomic():
        close = _lock_close(practice, month)
        key = inputs_key(run.digest, practice)
        run.trusted = close.inputs_key == key
        retire_rejected_elsewhere(practice.pk, month.first, now)
        _check_keys_as_written()
        close_batches(enrolled_patient_ids(practice), run, progress, apart=outermost)
        _check_keys_at_commit()
        if early:
            close.early_at = now
        else:
            close.status = MonthClose.Status.CLOSED
            close.closed_at = close.closed_at or now
        close.run_at = now
        close.inputs_key = key
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
