"""Who owns what: organisations (tenants), their practices, their staff and roles."""

import datetime as dt
import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_scopes import ScopedManager, scopes_disabled

from ccm.rules import institutional

from .validators import (
    validate_color,
    validate_identifier_system,
    validate_locality,
    validate_npi,
    validate_postal_code,
    validate_revenue_code,
    validate_time_zone,
    validate_tin,
)

#: Safe bounds an organisation may set its own password and session policy within: never
#: weaker than the installation's (settings: 12 characters, CCM_IDLE_MINUTES), never absurd.
PASSWORD_LENGTH_BOUNDS = (12, 64)
IDLE_MINUTES_BOUNDS = (5, 60)


class Organization(models.Model):
    """A tenant: a CCM service company serving many practices, or a single practice."""

    class Kind(models.TextChoices):
        SERVICE_COMPANY = "service_company", "CCM service company"
        PRACTICE = "practice", "Single practice"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PRACTICE)
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Every member must set up an authenticator app before using ccm here.",
    )
    patient_facing_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name patients see on letters and care plan copies; a practice may set its own.",
    )
    brand_color = models.CharField(
        max_length=7, blank=True, validators=[validate_color], help_text="e.g. #1f6feb"
    )
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    min_password_length = models.PositiveSmallIntegerField(
        default=PASSWORD_LENGTH_BOUNDS[0],
        help_text=f"At least {PASSWORD_LENGTH_BOUNDS[0]}, at most {PASSWORD_LENGTH_BOUNDS[1]}.",
    )
    idle_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Sign members out sooner than the installation does; blank keeps its setting.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Care coordinator"
    PRACTITIONER = "practitioner", "Billing practitioner"
    BILLER = "biller", "Billing specialist"
    ADMIN = "admin", "Practice administrator"
    AUDITOR = "auditor", "Auditor"


class Practice(models.Model):
    """A billing entity: its own TIN, billing NPI, setting, Medicare locality, time zone, branding."""

    class Setting(models.TextChoices):
        OFFICE = "office", "Physician office"
        FQHC = "fqhc", "Federally qualified health center"
        RHC = "rhc", "Rural health clinic"

    class CoordinatorAssignment(models.TextChoices):
        """Who gets the patients an import creates (docs/import.md, "Coordinators")."""

        UNASSIGNED = "unassigned", "Leave them unassigned: admins assign them from the queue"
        BILLING_PRACTITIONER = (
            "billing_practitioner",
            "The coordinator of the patient's billing practitioner",
        )
        ROUND_ROBIN = "round_robin", "In turn among the practice's coordinators"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="practices"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    tin = models.CharField("TIN", max_length=9, validators=[validate_tin])
    billing_npi = models.CharField("billing NPI", max_length=10, validators=[validate_npi])
    setting = models.CharField(max_length=10, choices=Setting, default=Setting.OFFICE)
    locality = models.CharField(
        "Medicare locality",
        max_length=7,
        blank=True,
        validators=[validate_locality],
        help_text="MAC + locality number, e.g. 0111205; blank uses national amounts.",
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(
        "ZIP code", max_length=10, blank=True, validators=[validate_postal_code]
    )
    branding_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="Name shown to patients; defaults to the practice name.",
    )
    branding_phone = models.CharField(max_length=30, blank=True)
    coordinator_assignment = models.CharField(
        max_length=24,
        choices=CoordinatorAssignment,
        default=CoordinatorAssignment.UNASSIGNED,
        help_text="How patients new from an EMR import get their care coordinator.",
    )
    mrn_identifier_system = models.CharField(
        "MRN identifier system",
        max_length=200,
        blank=True,
        validators=[validate_identifier_system],
        help_text="The EMR's system (URI, OID or HL7v2 assigning authority) of the practice's "
        "medical record numbers, for exports that do not label them MR or MRN.",
    )
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Archived: hidden from pages, its data kept."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager["Practice"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Practice"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="practice_slug_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def patient_facing_name(self) -> str:
        return self.branding_name or self.name

    @property
    def claim_form(self) -> str:
        """837i for an RHC or FQHC, 837p otherwise: the core decides (cms-rules §13)."""
        return institutional.claim_form(self.setting)

    def revenue_code_settings(self) -> tuple[institutional.RevenueCodeSetting, ...]:
        """The practice's dated revenue-code choices, as the core reads them."""
        return tuple(
            institutional.RevenueCodeSetting(row.effective_from, row.revenue_code)
            for row in RevenueCodeSetting.objects.filter(practice=self)
        )

    def revenue_code_on(self, day: dt.date) -> str:
        """The revenue code for a care-management line on a date of service (cms-rules §13)."""
        return institutional.revenue_code_on(day, self.revenue_code_settings())


class RevenueCodeSetting(models.Model):
    """From a date of service on, the revenue code an RHC or FQHC reports on care-management
    lines: cms-rules §13 leaves it unconfirmed for the codes that replaced G0511, so the practice
    chooses, and before its first choice the core's default (052X) applies."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="revenue_codes")
    effective_from = models.DateField(help_text="First date of service the code applies to.")
    revenue_code = models.CharField(max_length=4, validators=[validate_revenue_code])
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager["RevenueCodeSetting"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["RevenueCodeSetting"]]

    class Meta:
        ordering = ["effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "effective_from"],
                name="one_revenue_code_per_practice_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revenue_code} from {self.effective_from.isoformat()}"

    def clean(self) -> None:
        """Only RHCs and FQHCs bill on the institutional claim that carries revenue codes."""
        practice = self.practice if self.practice_id else None
        if practice is not None and not institutional.is_institutional(practice.setting):
            raise ValidationError(
                {
                    "practice": f"{practice.name} is a {practice.get_setting_display().lower()}: "
                    "only RHCs and FQHCs report revenue codes (on the 837I)."
                }
            )
        if practice is not None and self.organization_id not in (None, practice.organization_id):
            raise ValidationError({"practice": "The practice belongs to another organisation."})


class Practitioner(models.Model):
    """A physician or qualified health professional who can bill (NPI), optionally also a user."""

    class Credential(models.TextChoices):
        MD = "MD", "MD"
        DO = "DO", "DO"
        NP = "NP", "Nurse practitioner"
        PA = "PA", "Physician assistant"
        CNS = "CNS", "Clinical nurse specialist"
        CNM = "CNM", "Certified nurse-midwife"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="practitioners")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner_profiles",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])
    credential = models.CharField(max_length=4, choices=Credential, default=Credential.MD)
    source_id = models.CharField(max_length=200, blank=True, help_text="Identifier in the EMR.")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioners_coordinated",
        help_text="The care coordinator who works this practitioner's patients (used when the "
        "practice assigns imported patients by billing practitioner).",
    )

    objects: ClassVar[models.Manager["Practitioner"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Practitioner"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "npi"], name="practitioner_npi_per_practice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}, {self.credential}"

    def clean(self) -> None:
        """The coordinator must be a care coordinator of the practitioner's organisation."""
        super().clean()
        if self.coordinator_id is None:
            return
        with scopes_disabled():  # filtered by the practitioner's own organisation just below
            member = Membership.objects.filter(
                organization_id=self.organization_id, user_id=self.coordinator_id
            ).first()
            limited = list(member.practices.values_list("pk", flat=True)) if member else []
        if member is None or member.role != Role.COORDINATOR:
            raise ValidationError(
                {"coordinator": "Choose a care coordinator of this organisation."}
            )
        if limited and self.practice_id not in limited:
            raise ValidationError(
                {"coordinator": "This coordinator does not work for the practitioner's practice."}
            )


class Membership(models.Model):
    """A user's one role in one organisation, optionally limited to some of its practices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=20, choices=Role)
    practices = models.ManyToManyField(
        Practice, blank=True, help_text="Leave empty for all of the organisation's practices."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(
        null=True, blank=True, help_text="Left the organisation: no access, history kept."
    )

    objects: ClassVar[models.Manager["Membership"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Membership"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.role}"
