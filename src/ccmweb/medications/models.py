"""Medication reconciliation: what the patient really takes against what the EMR says.

The imported list (imports.Medication, RxNorm) is what the EMR sent; a reconciliation is one
sitting with the patient in which each medicine is confirmed, found at a changed dose, stopped,
not taken, or added as new (patient-reported). Who reconciled and when is kept; every answer
other than "confirmed" is a discrepancy. Rows are never edited: the next reconciliation says
what changed.
"""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization


class Reconciliation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="medication_reconciliations"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reconciled_at = models.DateTimeField()
    note = models.TextField(blank=True)
    time_entry = models.ForeignKey(
        "timelog.TimeEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medication_reconciliations",
        help_text="The minutes it took, logged as medication reconciliation time.",
    )

    objects: ClassVar[models.Manager["Reconciliation"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Reconciliation"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "reconciled_at"])]


class ReconciledMedication(models.Model):
    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed: takes it as listed"
        CHANGED_DOSE = "changed_dose", "Takes a different dose"
        STOPPED = "stopped", "Stopped (by a prescriber)"
        NOT_TAKING = "not_taking", "Not taking it"
        NEW = "new", "New: not on the list"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, related_name="items"
    )
    key = models.CharField(
        max_length=320,
        help_text="rx:<RxNorm> or name:<lowercased name>: the same medicine over time.",
    )
    rxnorm_code = models.CharField("RxNorm", max_length=20, blank=True)
    display = models.CharField(max_length=300)
    dose = models.CharField(max_length=200, blank=True, help_text="As the patient takes it.")
    outcome = models.CharField(max_length=14, choices=Outcome)
    note = models.CharField(max_length=500, blank=True)

    objects: ClassVar[models.Manager["ReconciledMedication"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["ReconciledMedication"]]

    @property
    def discrepancy(self) -> bool:
        return self.outcome != self.Outcome.CONFIRMED
