"""Care-management time, the running timers that produce it, outreach attempts and monthly MDM."""

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization


class Program(models.TextChoices):
    """The program the minutes were spent for (the month contract's `service`)."""

    CCM = "ccm", "CCM"
    PCM = "pcm", "PCM"
    APCM = "apcm", "APCM"
    RPM = "rpm", "RPM"
    BHI = "bhi", "BHI"
    TCM = "tcm", "TCM"


class Activity(models.TextChoices):
    MEDICATION_RECONCILIATION = "medication_reconciliation", "Medication reconciliation"
    CARE_PLAN_REVIEW = "care_plan_review", "Care plan review"
    PATIENT_CALL = "patient_call", "Patient call"
    CAREGIVER_CALL = "caregiver_call", "Caregiver call"
    SPECIALIST_COORDINATION = "specialist_coordination", "Coordination with specialist"
    REFERRAL = "referral", "Referral"
    EDUCATION = "education", "Education"
    TRANSITION_FOLLOW_UP = "transition_follow_up", "Transition follow-up"
    COMMUNITY_RESOURCES = "community_resources", "Community resources"
    OTHER = "other", "Other"


class Performer(models.TextChoices):
    """Who did the work, as CMS counts it (cms-rules §7): from the user's role, never chosen."""

    CLINICAL_STAFF = "clinical_staff", "Clinical staff"
    PRACTITIONER = "practitioner", "Billing practitioner"
    OTHER = "other", "Other staff (not countable)"


class TimeEntry(models.Model):
    """Minutes of work on one patient: an interval of one staff member's day.

    Once entered, an entry is not edited: a correction is a new entry that `amends` it and
    replaces it in the month's count, and the original stays beside it for the audit.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="time_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    performer = models.CharField(max_length=16, choices=Performer)
    program = models.CharField(max_length=8, choices=Program, default=Program.CCM)
    activity = models.CharField(max_length=32, choices=Activity)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    countable = models.BooleanField(default=True)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager["TimeEntry"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["TimeEntry"]]

    class Meta:
        indexes = [
            models.Index(fields=["organization", "patient", "started_at"]),
            models.Index(fields=["organization", "user", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="time_entry_ends_after_start",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Time entries are not edited: amend them instead.")
        super().save(*args, **kwargs)


class RunningTimer(models.Model):
    """A user's one running (or paused) timer, kept on the server so it survives a closed tab.

    Elapsed time = accumulated_seconds + (now − started_at) while running; started_at is the
    start of the current running stretch, paused_at is set while paused.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="running_timers"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="running_timers")
    started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    accumulated_seconds = models.PositiveIntegerField(default=0)

    objects: ClassVar[models.Manager["RunningTimer"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["RunningTimer"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_timer_per_user"),
        ]

    def elapsed_seconds(self, now: dt.datetime) -> int:
        if self.paused_at is not None:
            return self.accumulated_seconds
        return self.accumulated_seconds + max(0, int((now - self.started_at).total_seconds()))


class OutreachAttempt(models.Model):
    """A try at reaching the patient, failed ones included, and when to try next."""

    class Channel(models.TextChoices):
        CALL = "call", "Call"
        SMS = "sms", "Text message"
        LETTER = "letter", "Letter"
        PORTAL = "portal", "Portal message"

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        DECLINED = "declined", "Declined to talk"
        SENT = "sent", "Sent"

    FAILED = ("no_answer", "voicemail", "wrong_number", "declined")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outreach_attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outreach_attempts"
    )
    at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel)
    outcome = models.CharField(max_length=16, choices=Outcome)
    next_contact = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects: ClassVar[models.Manager["OutreachAttempt"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["OutreachAttempt"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "at"])]

    @property
    def failed(self) -> bool:
        return self.outcome in self.FAILED


class MonthMDM(models.Model):
    """The billing practitioner's documented medical decision making for one patient-month.

    Complex CCM (99487/99489) needs moderate or high MDM that month (cms-rules §1a).
    """

    class Level(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="month_mdm")
    month = models.DateField(help_text="First day of the (practice-local) month.")
    level = models.CharField(max_length=10, choices=Level)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager["MonthMDM"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["MonthMDM"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient", "month"], name="one_mdm_per_patient_month"
            ),
        ]


class WorklistState(models.Model):
    """The worklist's stored standing of one patient for one practice-local day: what ranking,
    filtering, counting and showing the day plan's rows need, so a request pages in the database
    and builds nothing for a patient whose facts have not changed
    (ccmweb.timelog.worklist_state).

    Derived, never evidence: any write to the patient's facts marks it not fresh and bumps its
    stamp (signals; an import or a close marks the practice's), a new day recomputes it, and a
    row is shown from it only while the patient's revision (bumped by the database on any write
    to a month-close input, signals or not) is the one it was computed from.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="worklist_state")
    day = models.DateField(help_text="The practice-local day it was computed for.")
    fresh = models.BooleanField(default=True)
    stamp = models.BigIntegerField(
        default=0,
        help_text="Bumped by every mark: a recompute stores its result only where it is unchanged"
        " since it read the facts.",
    )
    program = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=10)
    counted = models.IntegerField()
    tasks_due = models.IntegerField(default=0)
    call_due = models.BooleanField(default=False, help_text="A call scheduled for today or before.")
    due = models.BooleanField(default=False, help_text="On today's day plan (worklist.is_due).")
    # The rank (worklist.Row.sort_key) as numbers, then the patient id; contact for its sort.
    rank1 = models.FloatField()
    rank2 = models.FloatField()
    rank3 = models.FloatField()
    rank4 = models.FloatField()
    contact = models.FloatField(help_text="Last contact as a POSIX timestamp, 0 for never.")
    revision = models.PositiveBigIntegerField(
        default=0, help_text="The patient's revision the standing was computed from."
    )
    shown = models.JSONField(
        default=dict, help_text="The rest of what the worklist row shows (worklist_state.shown)."
    )

    objects: ClassVar[models.Manager["WorklistState"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["WorklistState"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient"], name="one_worklist_standing_per_patient"
            ),
        ]
