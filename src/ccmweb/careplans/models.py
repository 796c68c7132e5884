"""Comprehensive care plans (cms-rules §5): a plan per patient, kept as append-only versions.

A practitioner creates the plan, a nurse may revise it (each revision is a new version), and
the billing practitioner signs a version once; the signed version with the latest
`effective_from` on or before a date is the one in force that day.
"""

import uuid
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practitioner


class AppendOnlyError(Exception):
    """Raised on any attempt to change a care-plan version other than signing it once."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Care-plan versions are append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Care-plan versions are append-only.")


class CarePlan(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_plans")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    template = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager["CarePlan"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["CarePlan"]]


SIGNATURE_FIELDS = frozenset({"signed_by", "signed_at", "effective_from"})


class CarePlanVersion(models.Model):
    """One version of the plan's content; signed once by the billing practitioner."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="versions")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField()
    content = models.JSONField(help_text="The cms-rules §5 elements; see careplans.content.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.PROTECT)
    signed_at = models.DateTimeField(null=True, blank=True)
    effective_from = models.DateField(
        null=True, blank=True, help_text="Local date of signing: in force from then on."
    )

    objects: ClassVar[models.Manager["CarePlanVersion"]] = ScopedManager(
        models.Manager.from_queryset(AppendOnlyQuerySet), organization="organization"
    )
    _default_manager: ClassVar[models.Manager["CarePlanVersion"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "care_plan", "number"], name="careplan_version_number"
            ),
        ]
        indexes = [models.Index(fields=["organization", "care_plan", "effective_from"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """New rows only, except the one-time signature on a version not yet signed."""
        if self.pk is not None:
            fields = set(kwargs.get("update_fields") or ())
            unsigned = type(self).objects.filter(pk=self.pk, signed_at__isnull=True).exists()
            if not fields or fields - SIGNATURE_FIELDS or not unsigned:
                raise AppendOnlyError("Care-plan versions are append-only; revise instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Care-plan versions are append-only.")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class CarePlanCopyGiven(models.Model):
    """When and how the patient (or caregiver) got a copy of a version (cms-rules §5)."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        MAIL = "mail", "Mail"
        PORTAL = "portal", "Patient portal"
        EMAIL = "email", "Email"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    version = models.ForeignKey(
        CarePlanVersion, on_delete=models.PROTECT, related_name="copies_given"
    )
    given_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=Method)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[models.Manager["CarePlanCopyGiven"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["CarePlanCopyGiven"]]


class GoalProgress(models.Model):
    """Progress on one goal, recorded during a call: monitoring the plan, not revising it, so it
    is a row of its own (append-only) and the plan shows the latest status beside the goal."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="progress")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal_id = models.CharField(max_length=32, help_text="The goal's id in the version content.")
    status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    objects: ClassVar[models.Manager["GoalProgress"]] = ScopedManager(
        models.Manager.from_queryset(AppendOnlyQuerySet), organization="organization"
    )
    _default_manager: ClassVar[models.Manager["GoalProgress"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "care_plan", "goal_id", "recorded_at"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Goal progress is append-only; record new progress instead.")
        super().save(*args, **kwargs)
