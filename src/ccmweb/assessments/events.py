"""Assessments for the patient timeline (see ccmweb.events)."""

from typing import Any

from django.urls import reverse

from ccmweb.events import Event, who
from ccmweb.patients.picture import kept

from .models import Assessment


def assessments_of(patient: Any) -> list[Assessment]:
    """Every assessment of the patient, oldest first (the timeline's and the panel's)."""
    return kept(
        patient,
        "assessments",
        lambda: list(
            Assessment.objects.filter(patient=patient)
            .select_related("administered_by")
            .order_by("administered_at", "pk")
        ),
    )


def patient_events(patient: Any) -> list[Event]:
    url = reverse("assessments:history", kwargs={"uid": patient.uid})
    return [
        Event(
            a.administered_at,
            "assessment",
            f"{a.instrument_name}: {a.score} ({a.band}){' — over the cut-off' if a.positive else ''}",
            who(a.administered_by),
            url,
        )
        for a in assessments_of(patient)
    ]
