"""Patients and the clinical facts eligibility is decided from: conditions, visits, coverage."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccm import coverage_kinds as kinds
from ccm.rules import coverage as coverage_rules
from ccmweb.tenants.models import Organization, Practice, Practitioner

from .validators import validate_mbi


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The patient's id in the EMR export (FHIR Patient.id).",
    )
    mrn = models.CharField("MRN", max_length=64)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=30, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    mbi = models.CharField(
        "Medicare Beneficiary Identifier", max_length=11, blank=True, validators=[validate_mbi]
    )
    part_b = models.BooleanField(
        "Medicare Part B",
        null=True,
        blank=True,
        help_text="Unknown (empty) is never assumed to be covered.",
    )
    qmb = models.BooleanField("Qualified Medicare Beneficiary", default=False)
    medicare = models.CharField(
        "Medicare coverage",
        max_length=20,
        blank=True,
        choices=[(state, state) for state in coverage_rules.STATES],
        help_text="The coverage state of the imported coverage rows as of the last import "
        "(ccm.rules.coverage); empty: read from the Part B flag.",
    )
    animal = models.BooleanField(
        default=False, help_text="A veterinary patient in the EMR: never an opportunity."
    )
    deceased_date = models.DateField(null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_patients",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveBigIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Bumped by the database whenever an input of the month close changes (the "
        "patient's decision columns, time, MDM, conditions, encounters, consents, care plans).",
    )

    objects: ClassVar[models.Manager["Patient"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Patient"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "mrn"], name="patient_mrn_per_practice"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "practice", "family_name", "given_name"]),
            models.Index(fields=["organization", "source_id"]),
        ]

    def __str__(self) -> str:
        # Used only in pages for authorised users; never in logs (see docs/security.md).
        return f"{self.family_name}, {self.given_name}"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def coverage(self) -> coverage_rules.CoverageStanding:
        """Its Medicare coverage in the words every screen shows (ccm.rules.coverage)."""
        return coverage_rules.stored(self.medicare, self.part_b, self.qmb)


class Condition(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RECURRENCE = "recurrence", "Recurrence"
        RELAPSE = "relapse", "Relapse"
        INACTIVE = "inactive", "Inactive"
        REMISSION = "remission", "Remission"
        RESOLVED = "resolved", "Resolved"

    # No index of its own on organization: the tenant-leading index in Meta serves it, and the
    # import writes a row a Condition (bench/RESULTS.md, "import").
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    source_id = models.CharField(max_length=200, blank=True)
    icd10_code = models.CharField("ICD-10-CM", max_length=8, blank=True)
    snomed_code = models.CharField("SNOMED CT", max_length=20, blank=True)
    display = models.CharField(max_length=300, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    abatement_date = models.DateField(null=True, blank=True)
    clinical_status = models.CharField(max_length=12, choices=Status, default=Status.ACTIVE)

    objects: ClassVar[models.Manager["Condition"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Condition"]]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(icd10_code="", snomed_code=""), name="condition_has_a_code"
            ),
        ]
        indexes = [models.Index(fields=["organization", "source_id"])]

    def __str__(self) -> str:
        return self.icd10_code or self.snomed_code


class Encounter(models.Model):
    class Class(models.TextChoices):
        AMBULATORY = "AMB", "Ambulatory"
        EMERGENCY = "EMER", "Emergency"
        INPATIENT = "IMP", "Inpatient"
        HOME = "HH", "Home health"
        VIRTUAL = "VR", "Virtual"
        OTHER = "OTHER", "Other"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="encounters")
    source_id = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    encounter_class = models.CharField(max_length=8, choices=Class, default=Class.AMBULATORY)
    type_system = models.CharField(max_length=10, blank=True, help_text="cpt, hcpcs or snomed")
    type_code = models.CharField(max_length=20, blank=True)
    type_display = models.CharField(max_length=200, blank=True)
    practitioner = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.SET_NULL)

    objects: ClassVar[models.Manager["Encounter"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Encounter"]]

    class Meta:
        indexes = [
            models.Index(fields=["organization", "patient", "date"]),
            models.Index(fields=["organization", "source_id"]),
        ]


class Coverage(models.Model):
    class Kind(models.TextChoices):
        """The kinds every reader maps payer data to (ccm.coverage_kinds, with its words)."""

        MEDICARE_PART_A = kinds.PART_A, kinds.KINDS[kinds.PART_A]
        MEDICARE_PART_B = kinds.PART_B, kinds.KINDS[kinds.PART_B]
        MEDICARE_ADVANTAGE = kinds.ADVANTAGE, kinds.KINDS[kinds.ADVANTAGE]
        MEDICARE_PART_D = kinds.PART_D, kinds.KINDS[kinds.PART_D]
        MEDIGAP = kinds.MEDIGAP, kinds.KINDS[kinds.MEDIGAP]
        MEDICAID = kinds.MEDICAID, kinds.KINDS[kinds.MEDICAID]
        QMB = kinds.QMB, kinds.KINDS[kinds.QMB]
        SLMB = kinds.SLMB, kinds.KINDS[kinds.SLMB]
        QI = kinds.QI, kinds.KINDS[kinds.QI]
        DUAL_FULL = kinds.FULL_DUAL, kinds.KINDS[kinds.FULL_DUAL]
        DUAL_OTHER = kinds.OTHER_DUAL, kinds.KINDS[kinds.OTHER_DUAL]
        OTHER = kinds.OTHER, kinds.KINDS[kinds.OTHER]

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="coverages")
    source_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind)
    payer_name = models.CharField(max_length=200, blank=True)
    member_id = models.CharField(max_length=64, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    objects: ClassVar[models.Manager["Coverage"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Coverage"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "source_id"])]


class CareTeamMember(models.Model):
    """Someone in the patient's care besides the practice: PCP, specialist, caregiver, pharmacy.

    A caregiver is told about the patient's care only with the patient's permission, recorded
    here (`may_share`) so the coordinator sees it before calling them.
    """

    class Role(models.TextChoices):
        PCP = "pcp", "Primary care practitioner"
        SPECIALIST = "specialist", "Specialist"
        CAREGIVER = "caregiver", "Caregiver"
        PHARMACY = "pharmacy", "Pharmacy"
        OTHER = "other", "Other"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=12, choices=Role)
    name = models.CharField(max_length=200)
    detail = models.CharField(
        max_length=200, blank=True, help_text="Specialty, or the caregiver's relationship."
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    may_share = models.BooleanField(
        "Patient allows sharing", default=False, help_text="Only for caregivers and others."
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    added_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager["CareTeamMember"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["CareTeamMember"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "role"])]


class Allergy(models.Model):
    """An allergy or intolerance from the EMR (FHIR AllergyIntolerance)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    source_id = models.CharField(max_length=200, blank=True)
    substance = models.CharField(max_length=300)
    reaction = models.CharField(max_length=300, blank=True)
    criticality = models.CharField(max_length=20, blank=True, help_text="low, high or unknown")
    clinical_status = models.CharField(max_length=12, default="active")
    recorded_on = models.DateField(null=True, blank=True)

    objects: ClassVar[models.Manager["Allergy"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Allergy"]]

    class Meta:
        indexes = [
            models.Index(fields=["organization", "patient"]),
            models.Index(fields=["organization", "source_id"]),
        ]
