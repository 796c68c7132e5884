"""Medication reconciliations for the patient timeline (see ccmweb.events)."""

from typing import Any

from django.urls import reverse

from ccmweb.events import Event, who
from ccmweb.patients.picture import kept

from .models import Reconciliation


def reconciliations_of(patient: Any) -> list[Reconciliation]:
    """Every reconciliation of the patient, newest first (the timeline's and the panel's)."""
    return kept(
        patient,
        "reconciliations",
        lambda: list(
            Reconciliation.objects.filter(patient=patient)
            .select_related("reconciled_by")
            .prefetch_related("items")
            .order_by("-reconciled_at", "-pk")
        ),
    )


def patient_events(patient: Any) -> list[Event]:
    url = reverse("medications:reconcile", kwargs={"uid": patient.uid})
    events = []
    for r in reconciliations_of(patient):
        found = sum(item.discrepancy for item in r.items.all())
        title = f"Medications reconciled: {found} discrepanc{'y' if found == 1 else 'ies'}"
        events.append(
            Event(r.reconciled_at, "medication_reconciliation", title, who(r.reconciled_by), url)
        )
    return events
