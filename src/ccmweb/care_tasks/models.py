"""Tasks: work for a person with a due date, made by hand or by an event (an assessment over
its cut-off, a discharge, a care-plan due date, a month sign-off returned), and month sign-offs
a practitioner returned to the coordinator with a reason."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practice


class CareTask(models.Model):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Recurrence(models.TextChoices):
        NONE = "", "Does not repeat"
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Every month"
        QUARTERLY = "quarterly", "Every 3 months"

    class Source(models.TextChoices):
        MANUAL = "manual", "Created by hand"
        ASSESSMENT = "assessment", "Assessment over its cut-off"
        DISCHARGE = "discharge", "ED visit or hospital discharge"
        CARE_PLAN = "care_plan", "Care-plan due date"
        SIGNOFF = "signoff", "Month sign-off returned"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="care_tasks"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField()
    priority = models.CharField(max_length=8, choices=Priority, default=Priority.NORMAL)
    recurrence = models.CharField(max_length=10, choices=Recurrence, blank=True, default="")
    source = models.CharField(max_length=12, choices=Source, default=Source.MANUAL)
    source_key = models.CharField(
        max_length=120, blank=True, help_text="What made it (one task per event)."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)

    objects: ClassVar[models.Manager["CareTask"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["CareTask"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "source_key"],
                condition=~models.Q(source_key=""),
                name="one_task_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "assignee", "status", "due"]),
            models.Index(fields=["organization", "patient", "status"]),
        ]


class SignoffReturn(models.Model):
    """A month's draft claim the practitioner sent back to the coordinator with a reason; the
    claim leaves the sign-off queue until the coordinator's task is done."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey("billing.Claim", on_delete=models.PROTECT, related_name="returns")
    reason = models.TextField()
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField()
    task = models.ForeignKey(CareTask, on_delete=models.PROTECT, related_name="signoff_returns")

    objects: ClassVar[models.Manager["SignoffReturn"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["SignoffReturn"]]
