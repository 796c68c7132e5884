"""Screening instruments given to a patient (ccm.instruments): answers, score, band, and
whether the score crossed the instrument's published cut-off."""

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization


class Assessment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instrument = models.CharField(max_length=12, help_text="A key of ccm.instruments.INSTRUMENTS.")
    answers = models.JSONField()
    score = models.IntegerField()
    band = models.CharField(max_length=200)
    positive = models.BooleanField()
    urgent = models.BooleanField(default=False)
    reasons = models.JSONField(default=list)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    administered_at = models.DateTimeField()

    objects: ClassVar[models.Manager["Assessment"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Assessment"]]

    class Meta:
        indexes = [
            models.Index(fields=["organization", "patient", "instrument", "administered_at"])
        ]

    @property
    def instrument_name(self) -> str:
        from ccm.instruments import INSTRUMENTS

        found = INSTRUMENTS.get(self.instrument)
        return found.name if found else self.instrument

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("An assessment is a record of what was answered: give it again.")
        super().save(*args, **kwargs)
