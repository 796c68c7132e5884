"""EMR imports: each run and what it rejected, the ledger that makes imports idempotent, and the
measurements and medications kept from FHIR Observations and MedicationRequests.

Measurements and medications live here rather than in `patients` because only imports write
them so far and the issue scopes them to "what the EMR said"; they join patients by FK.
"""

import uuid
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practice

if TYPE_CHECKING:
    from .gap_lines import Seen


class ImportRun(models.Model):
    """One `ccm import` or one upload: its progress while it runs, its counts when done."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        FHIR = "fhir", "FHIR R4 (Bundles, NDJSON)"
        CSV = "csv", "CSV (docs/import-csv.md)"
        CCDA = "ccda", "C-CDA documents (CCD, Referral Note; .xml)"
        HL7 = "hl7", "HL7v2 messages (ADT, ORU; .hl7)"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="import_runs")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    format = models.CharField(max_length=4, choices=Format, default=Format.FHIR)
    status = models.CharField(max_length=8, choices=Status, default=Status.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    current_source = models.CharField(
        max_length=300, blank=True, help_text="file:line of the last batch written (resume point)."
    )
    loaded = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    failure = models.CharField(
        max_length=300, blank=True, help_text="Why the run stopped; no patient data."
    )
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="Patients created and updated, and the practice's coverage counts before and "
        "after the run (counts only, no patient data).",
    )

    objects: ClassVar[models.Manager["ImportRun"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ImportRun"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "practice", "-started_at"])]

    @property
    def percent(self) -> int:
        if self.status != self.Status.RUNNING:
            return 100
        return int(100 * self.files_done / self.files_total) if self.files_total else 0


class ImportProblem(models.Model):
    """A rejected resource (or a warning about a kept one): where it was, its id, and why."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="problems")
    source = models.CharField(max_length=300)
    resource_type = models.CharField(max_length=40, blank=True)
    resource_id = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500)
    warning = models.BooleanField(default=False, help_text="Kept, with this field dropped.")

    objects: ClassVar[models.Manager["ImportProblem"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ImportProblem"]]


class ImportedResource(models.Model):
    """The idempotency ledger: one row per EMR resource ever imported into a practice.

    Keyed by (organization, practice, resource type, EMR id) with the content hash of what was
    kept, so a second import of the same data changes nothing and a killed run can simply run
    again. `last_run` tells a duplicate id inside one run from a new version in a later run.
    """

    # Indexed only by the unique key below, which leads with both: the import writes a ledger
    # row a resource, and each index cost it a write a row (bench/RESULTS.md, "import").
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, db_index=False)
    resource_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=32)
    object_id = models.BigIntegerField(null=True, blank=True)
    last_run = models.UUIDField(null=True)

    objects: ClassVar[models.Manager["ImportedResource"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["ImportedResource"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "resource_type", "source_id"],
                name="imported_resource_once_per_practice",
            ),
        ]


class Measurement(models.Model):
    """Blood pressure, HbA1c, weight, BMI or eGFR as the EMR recorded it."""

    class Kind(models.TextChoices):
        BLOOD_PRESSURE = "blood_pressure", "Blood pressure"
        HBA1C = "hba1c", "HbA1c"
        WEIGHT = "weight", "Weight"
        BMI = "bmi", "BMI"
        EGFR = "egfr", "eGFR"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measurements")
    source_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind)
    date = models.DateField()
    value = models.DecimalField(max_digits=8, decimal_places=2)
    value2 = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Diastolic, for blood pressure.",
    )
    unit = models.CharField(max_length=20, blank=True)

    objects: ClassVar[models.Manager["Measurement"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Measurement"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "kind", "-date"])]


class Medication(models.Model):
    """A medication order (FHIR MedicationRequest); `status` active means currently taken."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    source_id = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    rxnorm_code = models.CharField("RxNorm", max_length=20, blank=True)
    display = models.CharField(max_length=300, blank=True)
    authored_on = models.DateField(null=True, blank=True)

    objects: ClassVar[models.Manager["Medication"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Medication"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "status"])]


class ClaimedService(models.Model):
    """A care-management code (CCM, PCM, APCM) that an imported Claim or EOB billed.

    Kept so the enrollment gap can tell a patient another practice already bills care
    management for ("enrolled elsewhere", docs/import.md) from an opportunity.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="claimed_services")
    claim_source_id = models.CharField(max_length=200, help_text="The Claim/EOB id in the EMR.")
    code = models.CharField(max_length=8)
    date = models.DateField()
    provider_npi = models.CharField(max_length=10, blank=True)

    objects: ClassVar[models.Manager["ClaimedService"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ClaimedService"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "date"])]


class AuditResult(models.Model):
    """One computed enrollment gap audit of a practice and month (imports/tasks.py computes it,
    the page and `ccm eligibility audit` read it): the summary, and a row per patient.

    The audit reads every patient of the practice; at a million that is tens of seconds, so a
    page never runs it: it reads the latest complete result and offers to recompute it. A run
    writes its rows as it goes and sets `computed_at` last; until then the result is not shown.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7, help_text="YYYY-MM")
    started_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True, help_text="Set when complete.")
    summary = models.TextField(
        default="{}", help_text="The JSON document but its patients, as text (keys in order)."
    )
    seen = models.JSONField(
        default=list, help_text="The visit parts of the rows, by number: [ccm, apcm, needed]."
    )
    list_sizes = models.JSONField(
        default=dict, help_text="How many patients each of the page's lists holds, by list."
    )

    objects: ClassVar[models.Manager["AuditResult"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["AuditResult"]]
    #: `seen` read into Seen parts once per instance (gap_results._seen): a page reads it often.
    seen_parts: "list[Seen] | None" = None

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "practice", "month", "-computed_at"],
                name="audit_result_latest",
            )
        ]


class AuditStanding(models.Model):
    """What the patients of a result with the same conditions, coverage, death and enrollment
    share (gap_lines.Standing's fields), stored once: rows point at it by number."""

    result = models.ForeignKey(AuditResult, on_delete=models.CASCADE, db_index=False)
    number = models.PositiveIntegerField()
    fields = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["result", "number"], name="audit_standing_number")
        ]


class AuditMark(models.Model):
    """Where the row at POSITION (a multiple of gap_results.MARK_EVERY, from 0) of one of the
    page's lists is in the rows' order: a deep page starts reading the index there instead of
    skipping up to a million rows (an OFFSET)."""

    result = models.ForeignKey(AuditResult, on_delete=models.CASCADE, db_index=False)
    listed = models.CharField(max_length=20)
    position = models.PositiveIntegerField()
    rank = models.BigIntegerField()
    source_id = models.CharField(max_length=200, blank=True)
    patient_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["result", "listed", "position"], name="audit_mark_position"
            )
        ]


class AuditRow(models.Model):
    """One patient of an audit result, in the audit's order: rank (opportunities, then coverage
    unverified, then the rest, each by value), then source_id and patient id.

    Narrow on purpose (a million a result): the patient's standing and visit part by number;
    no foreign key check on the patient (the row is a snapshot; a deleted patient is skipped
    on the screens). On PostgreSQL source_id sorts by code point ("C"), as Python and SQLite
    do, so the order is the same on both (migration 0005)."""

    result = models.ForeignKey(AuditResult, on_delete=models.CASCADE, db_index=False)
    rank = models.BigIntegerField()
    source_id = models.CharField(max_length=200, blank=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    mrn = models.CharField(max_length=64)
    standing = models.PositiveIntegerField()
    seen = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["result", "rank", "source_id", "patient"], name="audit_row_in_order"
            )
        ]
