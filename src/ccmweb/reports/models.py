"""Monthly facts the report pages read, and the service company's contract with each client.

Facts are derived, never entered: `refresh.refresh_month` replaces one practice-month's rows
whole (the close, the import and the scheduler call it), so a page sums a few rows per month
instead of reading claims, ledger rows and time entries (docs/reports.md)."""

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccm.reports.contract import PER_ENROLLED_PATIENT, PERCENT_OF_COLLECTIONS
from ccmweb.tenants.models import Organization, Practice


def money(help_text: str = "") -> "models.DecimalField[Decimal, Decimal]":
    """A dollar amount, to the cent, 0 until summed."""
    return models.DecimalField(max_digits=14, decimal_places=2, default=0, help_text=help_text)


class PracticeMonth(models.Model):
    """One practice-month: the enrollment funnel, minutes and money of the month's claims."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, db_index=False)
    month = models.DateField(help_text="First day of the practice-local month.")
    patients = models.PositiveIntegerField(default=0, help_text="Alive at the month's start.")
    eligible = models.PositiveIntegerField(null=True, help_text="Null: the rules did not run.")
    eligible_open = models.PositiveIntegerField(null=True, help_text="Eligible, not enrolled.")
    consented = models.PositiveIntegerField(default=0, help_text="New consents in the month.")
    active = models.PositiveIntegerField(default=0, help_text="Enrolled during the month.")
    billed_patients = models.PositiveIntegerField(default=0)
    revoked = models.PositiveIntegerField(default=0)
    revoked_reasons = models.JSONField(default=dict, help_text="{reason: patients}")
    minutes = models.PositiveIntegerField(default=0, help_text="Countable minutes logged.")
    patients_with_minutes = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    charges = money()
    billed = money("Medicare amount of the month's claims.")
    paid = money()
    adjusted = money()
    patient_responsibility = money()
    denied = money()
    denied_reasons = models.JSONField(default=dict, help_text="{reason: dollars}")
    open_balance = money()
    potential = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, help_text="Eligible patients at fee rates."
    )
    fee_basis = models.CharField(max_length=200, blank=True)
    refreshed_at = models.DateTimeField()

    objects: ClassVar[models.Manager["PracticeMonth"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["PracticeMonth"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "month"], name="one_fact_per_practice_month"
            )
        ]


class CodeMonth(models.Model):
    """Units and Medicare amount of one billed code in a practice-month."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, db_index=False)
    month = models.DateField()
    code = models.CharField(max_length=8)
    units = models.PositiveIntegerField(default=0)
    amount = money()

    objects: ClassVar[models.Manager["CodeMonth"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["CodeMonth"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "month", "code"], name="one_fact_per_code_month"
            )
        ]


class CoordinatorMonth(models.Model):
    """One coordinator's month in one practice: patients, minutes, calls, units billed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, db_index=False)
    month = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=150, help_text="The user's name as the month saw it.")
    patients = models.PositiveIntegerField(default=0, help_text="Patients they logged time on.")
    minutes = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0, help_text="Enrolled patients assigned.")
    billed_patients = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)

    objects: ClassVar[models.Manager["CoordinatorMonth"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["CoordinatorMonth"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "month", "user"],
                name="one_fact_per_coordinator_month",
            )
        ]


class OutcomeMonth(models.Model):
    """Utilisation and two quality measures of one cohort of a practice-month."""

    class Cohort(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        BEFORE = "before", "Before enrolling"
        ELIGIBLE = "eligible", "Eligible, not enrolled"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, db_index=False)
    month = models.DateField()
    cohort = models.CharField(max_length=10, choices=Cohort)
    patients = models.PositiveIntegerField(default=0, help_text="Patient-months of the cohort.")
    ed_visits = models.PositiveIntegerField(default=0)
    admissions = models.PositiveIntegerField(default=0)
    readmissions = models.PositiveIntegerField(default=0)
    hba1c_denominator = models.PositiveIntegerField(default=0, help_text="After exclusions.")
    hba1c_excluded = models.PositiveIntegerField(default=0, help_text="Denominator exclusions.")
    hba1c_poor = models.PositiveIntegerField(default=0)
    bp_denominator = models.PositiveIntegerField(default=0, help_text="After exclusions.")
    bp_excluded = models.PositiveIntegerField(default=0, help_text="Denominator exclusions.")
    bp_controlled = models.PositiveIntegerField(default=0)

    objects: ClassVar[models.Manager["OutcomeMonth"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["OutcomeMonth"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "month", "cohort"],
                name="one_fact_per_cohort_month",
            )
        ]


class ServiceContract(models.Model):
    """What a CCM service company and one client practice agreed: the company's share, and
    what its care time costs it (for the profitability column). The parties' terms, entered
    by the company's administrator; nothing here is a CMS figure."""

    class Model(models.TextChoices):
        PERCENT = PERCENT_OF_COLLECTIONS, "Percent of collections"
        PER_PATIENT = PER_ENROLLED_PATIENT, "Per enrolled patient per month"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    model = models.CharField(max_length=12, choices=Model, default=Model.PERCENT)
    rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Percent of collections, or dollars per enrolled patient per month.",
    )
    hourly_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=0,
        help_text="What an hour of the company's care time costs it (for profitability).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager["ServiceContract"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["ServiceContract"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice"], name="one_contract_per_practice"
            )
        ]
