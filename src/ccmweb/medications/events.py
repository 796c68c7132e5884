"""Medication reconciliations for the patient timeline (see ccmweb.events)."""

from typing import Any

from django.urls import reverse

from ccmweb.events import Event, who

from .models import Reconciliation


def patient_events(patient: Any) -> list[Event]:
    url = reverse("medications:reconcile", kwargs={"uid": patient.uid})
    events = []
    for r in (
        Reconciliation.objects.filter(patient=patient)
        .select_related("reconciled_by")
        .prefetch_related("items")
    ):
        found = sum(item.discrepancy for item in r.items.all())
        title = f"Medications reconciled: {found} discrepanc{'y' if found == 1 else 'ies'}"
        events.append(
            Event(r.reconciled_at, "medication_reconciliation", title, who(r.reconciled_by), url)
        )
    return events
