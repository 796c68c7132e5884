"""The patient's current medicines and reconciling them (see models)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ReconciledMedication, Reconciliation

Outcome = ReconciledMedication.Outcome
TAKEN = (Outcome.CONFIRMED, Outcome.CHANGED_DOSE, Outcome.NEW)
MAX_NEW = 20


class ReconciliationError(ValueError):
    """A row of the reconciliation is wrong; the message names the row and field."""


@dataclass
class Current:
    """One medicine on the current list and where the list got it."""

    key: str
    display: str
    rxnorm_code: str = ""
    dose: str = ""
    imported: bool = False  # on the EMR's list (active)
    reported: bool = False  # the patient told us (added as new)
    outcome: str = ""  # the latest reconciliation's answer ("" if never reconciled)
    reconciled_at: dt.datetime | None = None
    taking: bool = True


def key_of(rxnorm_code: str, display: str) -> str:
    return f"rx:{rxnorm_code}" if rxnorm_code else f"name:{display.strip().lower()[:300]}"


def current_list(patient: Any) -> list[Current]:
    """The imported active orders, each with its latest reconciliation answer, plus medicines
    the patient reported; stopped and not-taken ones stay, marked, until confirmed again."""
    from ccmweb.imports.models import Medication

    meds: dict[str, Current] = {}
    for rx, display in (
        Medication.objects.filter(patient=patient, status="active")
        .order_by("display", "pk")
        .values_list("rxnorm_code", "display")
    ):
        key = key_of(rx, display or rx)
        meds.setdefault(key, Current(key, display or f"RxNorm {rx}", rx, imported=True))
    items = (
        ReconciledMedication.objects.filter(reconciliation__patient=patient)
        .select_related("reconciliation")
        .order_by("reconciliation__reconciled_at", "pk")
    )
    for item in items:
        med = meds.setdefault(item.key, Current(item.key, item.display, item.rxnorm_code))
        med.reported = med.reported or item.outcome == Outcome.NEW
        med.outcome = item.outcome
        med.dose = item.dose or med.dose
        med.reconciled_at = item.reconciliation.reconciled_at
        med.taking = item.outcome in TAKEN
    return sorted(meds.values(), key=lambda m: (not m.taking, m.display.lower()))


@transaction.atomic
def reconcile(
    patient: Any,
    answers: list[dict[str, str]],
    new: list[dict[str, str]],
    *,
    by: Any,
    role: str | None,
    minutes: int | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Reconciliation:
    """Record one reconciliation: an answer for each listed medicine (ANSWERS: key, outcome,
    dose, note) and NEW medicines (display, dose, rxnorm). MINUTES, when given, are logged as
    medication reconciliation time (timelog's rules apply; a refusal keeps nothing)."""
    from ccmweb.timelog.models import Activity
    from ccmweb.timelog.services import NewTime, TimeError, add_time

    now = now or timezone.now()
    listed = {m.key: m for m in current_list(patient)}
    rows: list[ReconciledMedication] = []
    for n, answer in enumerate(answers, 1):
        med = listed.get(answer.get("key", ""))
        if med is None:
            raise ReconciliationError(f"Medicine {n}: not on the patient's list; reload the page.")
        outcome = answer.get("outcome", "")
        if outcome not in Outcome.values or outcome == Outcome.NEW:
            raise ReconciliationError(f"{med.display}: choose what the patient said.")
        dose = answer.get("dose", "").strip()[:200]
        if outcome == Outcome.CHANGED_DOSE and not dose:
            raise ReconciliationError(f"{med.display}: write the dose the patient takes.")
        rows.append(
            ReconciledMedication(
                key=med.key, rxnorm_code=med.rxnorm_code, display=med.display, dose=dose,
                outcome=outcome, note=answer.get("note", "").strip()[:500],
            )
        )  # fmt: skip
    for n, added in enumerate(new[:MAX_NEW], 1):
        display = added.get("display", "").strip()[:300]
        rx = added.get("rxnorm", "").strip()
        if not display and not rx:
            continue
        if rx and not (rx.isascii() and rx.isdigit()):
            raise ReconciliationError(f"New medicine {n}: an RxNorm code is digits only.")
        rows.append(
            ReconciledMedication(
                key=key_of(rx, display), rxnorm_code=rx[:20], display=display or f"RxNorm {rx}",
                dose=added.get("dose", "").strip()[:200], outcome=Outcome.NEW,
            )
        )  # fmt: skip
    if not rows:
        raise ReconciliationError("Medicines: answer for at least one medicine or add one.")
    entry = None
    if minutes:
        summary = ", ".join(
            f"{r.display}: {r.get_outcome_display().lower()}" for r in rows if r.discrepancy
        )
        text = f"Medication reconciliation. Discrepancies: {summary or 'none'}."
        try:
            entry = add_time(
                by, role, patient.organization, patient,
                NewTime(minutes=minutes, activity=Activity.MEDICATION_RECONCILIATION, note=text),
                now=now,
            )  # fmt: skip
        except TimeError as problem:
            raise ReconciliationError(str(problem)) from None
    record = Reconciliation.objects.create(
        organization=patient.organization, patient=patient, reconciled_by=by, reconciled_at=now,
        note=note.strip(), time_entry=entry,
    )  # fmt: skip
    for row in rows:
        row.organization = patient.organization
        row.reconciliation = record
    ReconciledMedication.objects.bulk_create(rows)
    return record
