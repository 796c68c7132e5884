"""Month close, claims, remittances and the money ledger.

A claim once sent is never changed: a correction is a replacement (frequency 7) or a void
(frequency 8) claim, and every money movement is a new LedgerEntry row.
"""

import uuid
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practice, Practitioner

from .validators import validate_interchange_id

PLACEHOLDER_RECEIVER = "MACPLACEHOLDER"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a ledger row."""


class BillingSettings(models.Model):
    """How a practice bills: sign-off, charges per code, and where its 837P files go."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    requires_signoff = models.BooleanField(
        default=False,
        help_text="Lines wait for the billing practitioner's approval before claims go.",
    )
    signoff_sample_percent = models.PositiveSmallIntegerField(
        default=100, help_text="Share of lines the practitioner reviews; the rest are approved."
    )
    charges = models.JSONField(
        default=dict,
        blank=True,
        help_text='The practice\'s charge per CPT/HCPCS code, as {"code": "dollars"}; a missing code charges the Medicare amount.',
    )
    submitter_id = models.CharField(
        max_length=15,
        blank=True,
        validators=[validate_interchange_id],
        help_text="ISA06/1000A id the MAC or clearinghouse gave you. Until it and the receiver "
        "id are set, exports are test files (ISA15 = T).",
    )
    receiver_name = models.CharField(max_length=60, default="MEDICARE MAC")
    receiver_id = models.CharField(
        max_length=15,
        default=PLACEHOLDER_RECEIVER,
        validators=[validate_interchange_id],
        help_text="The MAC's or clearinghouse's receiver id (ISA08/1000B).",
    )
    clearinghouse_name = models.CharField(
        max_length=60, blank=True, help_text="Who carries the 837P files to the MAC, if anyone."
    )
    payer_name = models.CharField(max_length=60, default="MEDICARE PART B")
    payer_id = models.CharField(max_length=20, default="MEDICARE")
    contact_name = models.CharField(max_length=60, default="BILLING OFFICE")
    contact_phone = models.CharField(max_length=20, default="8005550100")

    objects: ClassVar[models.Manager["BillingSettings"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["BillingSettings"]]

    @property
    def production(self) -> bool:
        """Real files (ISA15 = P) only once a real submitter and receiver are configured."""
        receiver = self.receiver_id.strip().upper()
        return bool(self.submitter_id.strip()) and receiver not in ("", PLACEHOLDER_RECEIVER)

    class Meta:
        # One row a practice, unique within the tenant like every other key (test_isolation).
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice"], name="billing_settings_one_per_practice"
            )
        ]


class MonthClose(models.Model):
    """One practice-month; its row is locked for the length of a close so closes never overlap."""

    class Status(models.TextChoices):
        OPEN = "open", "Not closed"
        CLOSED = "closed", "Closed"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="month_closes")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    month = models.DateField(help_text="First day of the practice-local month.")
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True)
    run_at = models.DateTimeField(null=True)
    runs = models.PositiveIntegerField(default=0)
    billable = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    nothing = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    policy = models.JSONField(
        default=dict, help_text="Policy values in force for the month, kept once per close."
    )
    early_at = models.DateTimeField(
        null=True, blank=True, help_text="Last bill-early run in the running month (§11)."
    )
    inputs_key = models.CharField(
        max_length=32,
        blank=True,
        default="",
        db_default="",
        help_text="Digest of what every month of the last run shared (policy, charges, early, "
        "the practice's facts): while it holds, months whose patient is unchanged are skipped.",
    )

    objects: ClassVar[models.Manager["MonthClose"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["MonthClose"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "month"], name="one_close_per_practice_month"
            ),
        ]


class MonthReopen(models.Model):
    """An administrator reopened a closed month in which nothing had been sent: who, when, why."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="reopens")
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects: ClassVar[models.Manager["MonthReopen"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["MonthReopen"]]


class PatientMonth(models.Model):
    """What the rules decided for one patient-month, with the inputs and policy they used."""

    class Status(models.TextChoices):
        BILLABLE = "billable", "Billable"
        HELD = "held", "Held"
        NOTHING = "nothing", "Nothing to bill"

    # No single-column indexes on these keys: the tenant-leading unique and status indexes
    # serve every lookup, and the close writes one row per patient-month (docs/scaling.md).
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, db_index=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="billing_months", db_index=False
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    month = models.DateField()
    status = models.CharField(max_length=8, choices=Status)
    reason = models.CharField(max_length=300, blank=True)
    fix = models.CharField(max_length=300, blank=True)
    lines = models.JSONField(default=list)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    minutes = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list)
    inputs = models.JSONField(
        default=dict, help_text="The MonthCase the rules read (contract JSON)."
    )
    policy = models.JSONField(
        default=dict, help_text="Left empty since the close keeps the policy on its MonthClose."
    )
    fingerprint = models.CharField(
        max_length=32,
        blank=True,
        help_text="Digest of everything the decision read: an unchanged month is not re-decided.",
    )
    decided_at = models.DateTimeField()
    patient_revision = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The patient's revision when the month was decided: unchanged, not rebuilt.",
    )
    billed_elsewhere = models.BooleanField(
        default=False, db_default=False, help_text="Decided as billed at another practice."
    )

    objects: ClassVar[models.Manager["PatientMonth"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["PatientMonth"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient", "month"], name="one_result_per_patient_month"
            ),
        ]
        indexes = [models.Index(fields=["organization", "practice", "month", "status"])]


class Claim(models.Model):
    """One claim for one patient-month. At most one current CCM claim per beneficiary and month
    across all the organisation's practices (keyed by MBI, since a person may be a patient of two).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Waiting for sign-off"
        APPROVED = "approved", "Approved"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted by the payer"
        REJECTED = "rejected", "Rejected before adjudication"
        PAID = "paid", "Paid"
        DENIED = "denied", "Denied"
        REVERSED = "reversed", "Payment reversed"
        REPLACED = "replaced", "Replaced by a correction"
        VOID = "void", "Void"

    class Frequency(models.TextChoices):
        ORIGINAL = "1", "Original"
        REPLACEMENT = "7", "Replacement"
        VOID = "8", "Void"

    # Indexed only where a query reads by them (see Meta): the close writes ~92,000 claims a
    # 100,000-patient month, and each index costs it a write per claim.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="claims")
    patient_month = models.ForeignKey(
        PatientMonth, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(
        max_length=20,
        editable=False,
        help_text="CLM01 and the 835's CLP01: the uid's short form.",
    )
    month = models.DateField()
    mbi = models.CharField(max_length=11)
    program_family = models.CharField(
        max_length=8, default="ccm", help_text="ccm, pcm or apcm: one claim per family and month."
    )
    current = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=Status)
    frequency = models.CharField(max_length=1, choices=Frequency, default=Frequency.ORIGINAL)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        db_index=False,
    )
    rendering = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    diagnoses = models.JSONField(default=list)
    total_charge = models.DecimalField(max_digits=10, decimal_places=2)
    expected = models.DecimalField(max_digits=10, decimal_places=2)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    export = models.ForeignKey(
        "ClaimExport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        db_index=False,
        help_text="The one file this claim went out in (a claim is sent once).",
    )
    transaction_set = models.PositiveIntegerField(
        null=True, blank=True, help_text="ST02 of its transaction in that file (999 AK202)."
    )
    payer_claim_id = models.CharField(max_length=50, blank=True)
    hold_reason = models.CharField(
        max_length=300,
        blank=True,
        default="",  # the close COPYs claims: a column it leaves out takes this default
        help_text="Why the payer says this claim must not be sent again (e.g. CARC B20).",
    )
    early = models.BooleanField(
        default=False,
        help_text="Billed early in a running month (§11): its add-on units go on a second claim.",
    )
    created_at = models.DateTimeField()

    objects: ClassVar[models.Manager["Claim"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Claim"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mbi", "month", "program_family"],
                condition=models.Q(current=True),
                name="one_current_claim_per_beneficiary_month",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "practice", "month", "status"]),
            models.Index(fields=["organization", "number"], name="claim_number_idx"),
            models.Index(
                fields=["export", "transaction_set"],
                condition=Q(export__isnull=False),
                name="claim_export_idx",
            ),
            # Most claims replace nothing and are approved by no one: index only those that are.
            models.Index(
                fields=["replaces"], condition=Q(replaces__isnull=False), name="claim_replaces_idx"
            ),
            models.Index(
                fields=["approved_by"],
                condition=Q(approved_by__isnull=False),
                name="claim_approved_by_idx",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.number:
            self.number = self.uid.hex[:20].upper()
        super().save(*args, **kwargs)

    @property
    def claim_number(self) -> str:
        """CLM01 and the 835's CLP01 (20 characters at most)."""
        return self.number

    @property
    def is_locked(self) -> bool:
        """Sent claims are never changed; they are replaced or voided by a new claim."""
        return self.sent_at is not None


class ClaimLine(models.Model):
    """One billed code of a claim; read through its claim, so only claim_id is indexed."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=8)
    units = models.PositiveSmallIntegerField()
    charge = models.DecimalField(max_digits=10, decimal_places=2)
    expected = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="The Medicare amount from the rules core."
    )
    service_date = models.DateField()

    objects: ClassVar[models.Manager["ClaimLine"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ClaimLine"]]


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The ledger is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The ledger is append-only.")


class LedgerEntry(models.Model):
    """One money movement on a claim; corrections are new rows, never edits.

    Read through its claim (or remittance), so the organisation key is not indexed alone.
    """

    class Kind(models.TextChoices):
        EXPECTED = "expected", "Expected from Medicare"
        PAID = "paid", "Paid"
        ADJUSTED = "adjusted", "Adjusted"
        PATIENT = "patient", "Patient responsibility"
        DENIED = "denied", "Denied"
        REVERSAL = "reversal", "Payment reversed"
        CORRECTION = "correction", "Correction"
        VOID = "void", "Void"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    group = models.CharField(max_length=2, blank=True, help_text="CAS group: CO, PR, OA, PI, CR.")
    reason = models.CharField(max_length=5, blank=True, help_text="CARC code.")
    note = models.CharField(max_length=300, blank=True)
    remittance = models.ForeignKey(
        "Remittance", null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    line = models.ForeignKey(
        "RemittanceLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        help_text="The CLP it posts: a reversal undoes exactly that posting's rows.",
    )
    at = models.DateTimeField()

    objects: ClassVar[models.Manager["LedgerEntry"]] = ScopedManager(
        models.Manager.from_queryset(LedgerQuerySet), organization="organization"
    )
    _default_manager: ClassVar[models.Manager["LedgerEntry"]]

    class Meta:
        indexes = [
            # The close's expected-payment rows have no remittance: index only posted ones.
            models.Index(
                fields=["remittance"],
                condition=Q(remittance__isnull=False),
                name="ledger_remittance_idx",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The ledger is append-only.")


class ClaimExport(models.Model):
    """One 837P (or CSV) file written: its interchange control number, the file itself (to
    download again) and, through Claim.export, the claims in it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    month = models.DateField()
    file_format = models.CharField(max_length=8)
    interchange_number = models.PositiveIntegerField()
    usage = models.CharField(max_length=1, default="P", help_text="ISA15: P production, T test.")
    claim_count = models.PositiveIntegerField(default=0)
    content = models.TextField(blank=True, help_text="The file as written.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)

    objects: ClassVar[models.Manager["ClaimExport"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ClaimExport"]]


class Remittance(models.Model):
    """One posted 835 transaction, once per payer and TRN02 trace number (a re-delivered file
    with new envelope numbers is the same remittance), with its reconciliation."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        help_text="The payee practice (N1*PE), when the file names one of ours.",
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    digest = models.CharField(max_length=64)
    payer_key = models.CharField(
        max_length=80, default="", help_text="TRN03 (or the payer's name): whose trace number."
    )
    payer_name = models.CharField(max_length=60, blank=True)
    trace_number = models.CharField(max_length=50, blank=True)
    payment_amount = models.DecimalField(max_digits=12, decimal_places=2)
    claims_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    plb_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    balanced = models.BooleanField(default=True, help_text="BPR02 = Σ CLP04 − Σ PLB.")
    payment_method = models.CharField(max_length=3, blank=True)
    payment_date = models.DateField(null=True)
    unmatched = models.JSONField(default=list, help_text="CLP01s that matched no claim of ours.")
    warnings = models.JSONField(default=list)
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[models.Manager["Remittance"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Remittance"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "payer_key", "trace_number"], name="remittance_once"
            ),
        ]


class ProviderAdjustment(models.Model):
    """One PLB adjustment of a remittance: interest, an offset, a recoupment."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    remittance = models.ForeignKey(
        Remittance, on_delete=models.CASCADE, related_name="provider_adjustments"
    )
    provider_id = models.CharField(max_length=50, blank=True)
    fiscal_period = models.DateField(null=True)
    reason = models.CharField(max_length=2)
    reference = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    objects: ClassVar[models.Manager["ProviderAdjustment"]] = ScopedManager(
        organization="organization"
    )
    _default_manager: ClassVar[models.Manager["ProviderAdjustment"]]


class RemittanceLine(models.Model):
    """One CLP of an 835 and the claim it matched (none when it matched nothing of ours)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    claim = models.ForeignKey(
        Claim, null=True, on_delete=models.PROTECT, related_name="remittances"
    )
    claim_number = models.CharField(max_length=38)
    status = models.CharField(max_length=2)
    charge = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.DecimalField(max_digits=10, decimal_places=2)
    patient_responsibility = models.DecimalField(max_digits=10, decimal_places=2)
    adjustments = models.JSONField(default=list)
    remarks = models.JSONField(default=list)
    payer_claim_id = models.CharField(max_length=50, blank=True)
    crossover_payer = models.CharField(
        max_length=60, blank=True, help_text="NM1*TT: the payer the claim was forwarded to."
    )
    outcome = models.CharField(
        max_length=10, blank=True, help_text="paid, denied, reversed, unmatched … in words."
    )
    segment = models.PositiveIntegerField(default=0, help_text="The CLP's segment number.")
    reversed = models.BooleanField(
        default=False, help_text="A later CLP02 22 took this posting back (its rows are undone)."
    )

    @property
    def status_words(self) -> str:
        from ccm.x12.remit835 import STATUS_WORDS

        return STATUS_WORDS.get(self.status, self.status)

    @property
    def adjustments_shown(self) -> list[dict[str, str]]:
        """The stored adjustments, each with its group in words (ccm.x12.carc), for the page."""
        from ccm.x12.carc import group_words

        return [{**a, "group_words": group_words(a["group"])} for a in self.adjustments]

    objects: ClassVar[models.Manager["RemittanceLine"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["RemittanceLine"]]


class Denial(models.Model):
    """A denied claim waiting for a biller: the reason in words and the action it needs."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="denials")
    remittance_line = models.ForeignKey(RemittanceLine, on_delete=models.PROTECT)
    service_code = models.CharField(
        max_length=8, blank=True, help_text="A denied line's code; blank for the whole claim."
    )
    reasons = models.JSONField(default=list, help_text="CARC/RARC codes in words.")
    action = models.CharField(max_length=300)
    billed_elsewhere = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[models.Manager["Denial"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Denial"]]


class Acknowledgment(models.Model):
    """One 999 or 277CA transaction read, once (its body's digest), with what it said."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=5, help_text="999 (or 997) or 277CA.")
    digest = models.CharField(max_length=64)
    reference = models.CharField(max_length=50, blank=True, help_text="AK102 or BHT03.")
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[models.Manager["Acknowledgment"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Acknowledgment"]]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "digest"], name="acknowledgment_once"),
        ]


class ClaimAck(models.Model):
    """What an acknowledgment said of one claim; a rejection is a work item with its fix."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    acknowledgment = models.ForeignKey(Acknowledgment, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="acks")
    outcome = models.CharField(max_length=10, help_text="accepted, rejected or status.")
    reasons = models.JSONField(default=list, help_text="Status codes in words.")
    fix = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.RESOLVED)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[models.Manager["ClaimAck"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["ClaimAck"]]
