"""Enrollment: which program a patient is in, with whom, and the consent records behind it.

Consent records are append-only (cms-rules §3: consent is produced with every ADR, so the
original must survive); `Enrollment` is the current state derived from them, kept for quick
lists such as the worklist. Month facts are always read from the records, as of a date.
"""

import uuid
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practitioner


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a signed record."""


class Program(models.TextChoices):
    CCM = "ccm", "CCM (chronic care management)"
    PCM = "pcm", "PCM (principal care management)"
    APCM = "apcm", "APCM (advanced primary care management)"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Consent records are append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Consent records are append-only.")


class ConsentRecord(models.Model):
    """One consent decision as documented: accepted, declined or revoked (cms-rules §3)."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    class Method(models.TextChoices):
        VERBAL = "verbal", "Verbal"
        WRITTEN = "written", "Written"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.CharField(max_length=4, choices=Program)
    billing_practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.PROTECT
    )
    decision = models.CharField(max_length=8, choices=Decision)
    method = models.CharField(max_length=8, choices=Method, blank=True)
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    obtained_at = models.DateTimeField()
    effective_date = models.DateField(
        help_text="Local date of the decision; a revocation "
        "takes effect at the end of this date's month."
    )
    decline_reason = models.CharField(max_length=300, blank=True)
    document = models.FileField(upload_to="consents/%Y/%m/", blank=True)
    disclosures_shown = models.TextField(help_text="The script shown, as it read then.")
    expected_coinsurance = models.DecimalField(max_digits=8, decimal_places=2, null=True)

    objects: ClassVar[models.Manager["ConsentRecord"]] = ScopedManager(
        models.Manager.from_queryset(AppendOnlyQuerySet), organization="organization"
    )
    _default_manager: ClassVar[models.Manager["ConsentRecord"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "effective_date"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Consent records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Consent records are append-only.")


class Enrollment(models.Model):
    """The patient's current program and billing practitioner, from the latest consent record."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="enrollments")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.CharField(max_length=4, choices=Program)
    billing_practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(max_length=8, choices=Status)
    consent = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager["Enrollment"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Enrollment"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient"], name="one_enrollment_per_patient"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "program"])]

    @property
    def is_enrolled(self) -> bool:
        return self.status == self.Status.ENROLLED
