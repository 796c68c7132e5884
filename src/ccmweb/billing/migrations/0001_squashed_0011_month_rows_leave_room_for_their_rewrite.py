"""The billing app's migrations up to 0011 in one (issue 17).

A database migrated from nothing is given this one: 16 operations for the 94 of the 11
migrations it replaces (Django renders the models again for each). One that applied some of the
old migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
The data migrations, elidable (they change rows that a database made from nothing does not
have), are left out:
0007_claim_lifecycle_acknowledgments_balanced_remittances.exports_to_claims,
0007_claim_lifecycle_acknowledgments_balanced_remittances.payer_keys.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import ccmweb.billing.validators
from ccmweb.sql import append_only


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_patientmonth SET (fillfactor = 75)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_patientmonth RESET (fillfactor)")


class Migration(migrations.Migration):
    replaces = [
        ("billing", "0001_month_close_claims_ledger_remittance"),
        ("billing", "0002_keep_policy_once_per_close_and_fingerprint_months"),
        ("billing", "0003_index_billing_keys_only_where_read"),
        ("billing", "0004_billing_settings_unique_within_the_tenant"),
        ("billing", "0005_ledger_append_only_in_the_database"),
        ("billing", "0006_billing_settings_clearinghouse_name"),
        ("billing", "0007_claim_lifecycle_acknowledgments_balanced_remittances"),
        ("billing", "0008_remittance_postings_undone_by_reversals"),
        ("billing", "0009_bill_early_claims"),
        ("billing", "0010_months_remember_the_patient_revision_they_read"),
        ("billing", "0011_month_rows_leave_room_for_their_rewrite"),
    ]

    initial = True

    dependencies = [
        ("patients", "0001_initial"),
        ("patients", "0002_part_b_may_be_unknown"),
        ("patients", "0003_tenant_leading_indexes_serve_the_organization"),
        ("tenants", "0001_initial"),
        ("tenants", "0002_two_factor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Acknowledgment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("kind", models.CharField(help_text="999 (or 997) or 277CA.", max_length=5)),
                ("digest", models.CharField(max_length=64)),
                (
                    "reference",
                    models.CharField(blank=True, help_text="AK102 or BHT03.", max_length=50),
                ),
                ("accepted", models.PositiveIntegerField(default=0)),
                ("rejected", models.PositiveIntegerField(default=0)),
                ("unmatched", models.JSONField(default=list)),
                ("notes", models.JSONField(default=list)),
                ("received_at", models.DateTimeField()),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "received_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "digest"), name="acknowledgment_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BillingSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "requires_signoff",
                    models.BooleanField(
                        default=False,
                        help_text="Lines wait for the billing practitioner's approval before claims go.",
                    ),
                ),
                (
                    "signoff_sample_percent",
                    models.PositiveSmallIntegerField(
                        default=100,
                        help_text="Share of lines the practitioner reviews; the rest are approved.",
                    ),
                ),
                (
                    "charges",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text='The practice\'s charge per CPT/HCPCS code, as {"code": "dollars"}; a missing code charges the Medicare amount.',
                    ),
                ),
                (
                    "submitter_id",
                    models.CharField(
                        blank=True,
                        help_text="ISA06/1000A id the MAC or clearinghouse gave you. Until it and the receiver id are set, exports are test files (ISA15 = T).",
                        max_length=15,
                        validators=[ccmweb.billing.validators.validate_interchange_id],
                    ),
                ),
                ("receiver_name", models.CharField(default="MEDICARE MAC", max_length=60)),
                (
                    "receiver_id",
                    models.CharField(
                        default="MACPLACEHOLDER",
                        help_text="The MAC's or clearinghouse's receiver id (ISA08/1000B).",
                        max_length=15,
                        validators=[ccmweb.billing.validators.validate_interchange_id],
                    ),
                ),
                ("payer_name", models.CharField(default="MEDICARE PART B", max_length=60)),
                ("payer_id", models.CharField(default="MEDICARE", max_length=20)),
                ("contact_name", models.CharField(default="BILLING OFFICE", max_length=60)),
                ("contact_phone", models.CharField(default="8005550100", max_length=20)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.practice",
                    ),
                ),
                (
                    "clearinghouse_name",
                    models.CharField(
                        blank=True,
                        help_text="Who carries the 837P files to the MAC, if anyone.",
                        max_length=60,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice"),
                        name="billing_settings_one_per_practice",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ClaimExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("month", models.DateField()),
                ("file_format", models.CharField(max_length=8)),
                ("interchange_number", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField()),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.practice"
                    ),
                ),
                ("claim_count", models.PositiveIntegerField(default=0)),
                ("content", models.TextField(blank=True, help_text="The file as written.")),
                (
                    "usage",
                    models.CharField(
                        default="P", help_text="ISA15: P production, T test.", max_length=1
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="MonthClose",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("month", models.DateField(help_text="First day of the practice-local month.")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Not closed"), ("closed", "Closed")],
                        default="open",
                        max_length=8,
                    ),
                ),
                ("closed_at", models.DateTimeField(null=True)),
                ("run_at", models.DateTimeField(null=True)),
                ("runs", models.PositiveIntegerField(default=0)),
                ("billable", models.PositiveIntegerField(default=0)),
                ("held", models.PositiveIntegerField(default=0)),
                ("nothing", models.PositiveIntegerField(default=0)),
                ("claims", models.PositiveIntegerField(default=0)),
                ("total", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="month_closes",
                        to="tenants.practice",
                    ),
                ),
                (
                    "policy",
                    models.JSONField(
                        default=dict,
                        help_text="Policy values in force for the month, kept once per close.",
                    ),
                ),
                (
                    "early_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Last bill-early run in the running month (§11).",
                        null=True,
                    ),
                ),
                (
                    "inputs_key",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="Digest of what every month of the last run shared (policy, charges, early, the practice's facts): while it holds, months whose patient is unchanged are skipped.",
                        max_length=32,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "month"),
                        name="one_close_per_practice_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthReopen",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=300)),
                ("at", models.DateTimeField()),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "close",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reopens",
                        to="billing.monthclose",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="PatientMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("month", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("billable", "Billable"),
                            ("held", "Held"),
                            ("nothing", "Nothing to bill"),
                        ],
                        max_length=8,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=300)),
                ("fix", models.CharField(blank=True, max_length=300)),
                ("lines", models.JSONField(default=list)),
                ("total", models.DecimalField(decimal_places=2, default=0, max_digits=10)),
                ("minutes", models.PositiveIntegerField(default=0)),
                ("findings", models.JSONField(default=list)),
                (
                    "inputs",
                    models.JSONField(
                        default=dict, help_text="The MonthCase the rules read (contract JSON)."
                    ),
                ),
                (
                    "policy",
                    models.JSONField(
                        default=dict,
                        help_text="Left empty since the close keeps the policy on its MonthClose.",
                    ),
                ),
                ("decided_at", models.DateTimeField()),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="billing_months",
                        to="patients.patient",
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practice",
                    ),
                ),
                (
                    "fingerprint",
                    models.CharField(
                        blank=True,
                        help_text="Digest of everything the decision read: an unchanged month is not re-decided.",
                        max_length=32,
                    ),
                ),
                (
                    "billed_elsewhere",
                    models.BooleanField(
                        db_default=False,
                        default=False,
                        help_text="Decided as billed at another practice.",
                    ),
                ),
                (
                    "patient_revision",
                    models.PositiveBigIntegerField(
                        blank=True,
                        help_text="The patient's revision when the month was decided: unchanged, not rebuilt.",
                        null=True,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "month", "status"],
                        name="billing_pat_organiz_4e45f8_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "patient", "month"),
                        name="one_result_per_patient_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Claim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "number",
                    models.CharField(
                        editable=False,
                        help_text="CLM01 and the 835's CLP01: the uid's short form.",
                        max_length=20,
                    ),
                ),
                ("month", models.DateField()),
                ("mbi", models.CharField(max_length=11)),
                (
                    "program_family",
                    models.CharField(
                        default="ccm",
                        help_text="ccm, pcm or apcm: one claim per family and month.",
                        max_length=8,
                    ),
                ),
                ("current", models.BooleanField(default=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Waiting for sign-off"),
                            ("approved", "Approved"),
                            ("sent", "Sent"),
                            ("accepted", "Accepted by the payer"),
                            ("rejected", "Rejected before adjudication"),
                            ("paid", "Paid"),
                            ("denied", "Denied"),
                            ("reversed", "Payment reversed"),
                            ("replaced", "Replaced by a correction"),
                            ("void", "Void"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "frequency",
                    models.CharField(
                        choices=[("1", "Original"), ("7", "Replacement"), ("8", "Void")],
                        default="1",
                        max_length=1,
                    ),
                ),
                ("diagnoses", models.JSONField(default=list)),
                ("total_charge", models.DecimalField(decimal_places=2, max_digits=10)),
                ("expected", models.DecimalField(decimal_places=2, max_digits=10)),
                ("approved_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("payer_claim_id", models.CharField(blank=True, max_length=50)),
                ("created_at", models.DateTimeField()),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="patients.patient",
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="tenants.practice",
                    ),
                ),
                (
                    "rendering",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practitioner",
                    ),
                ),
                (
                    "replaces",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="billing.claim",
                    ),
                ),
                (
                    "patient_month",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="billing.patientmonth",
                    ),
                ),
                (
                    "export",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The one file this claim went out in (a claim is sent once).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="billing.claimexport",
                    ),
                ),
                (
                    "hold_reason",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="Why the payer says this claim must not be sent again (e.g. CARC B20).",
                        max_length=300,
                    ),
                ),
                (
                    "transaction_set",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="ST02 of its transaction in that file (999 AK202).",
                        null=True,
                    ),
                ),
                (
                    "early",
                    models.BooleanField(
                        default=False,
                        help_text="Billed early in a running month (§11): its add-on units go on a second claim.",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "month", "status"],
                        name="billing_cla_organiz_042135_idx",
                    ),
                    models.Index(fields=["organization", "number"], name="claim_number_idx"),
                    models.Index(
                        condition=models.Q(("replaces__isnull", False)),
                        fields=["replaces"],
                        name="claim_replaces_idx",
                    ),
                    models.Index(
                        condition=models.Q(("approved_by__isnull", False)),
                        fields=["approved_by"],
                        name="claim_approved_by_idx",
                    ),
                    models.Index(
                        condition=models.Q(("export__isnull", False)),
                        fields=["export", "transaction_set"],
                        name="claim_export_idx",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("current", True)),
                        fields=("organization", "mbi", "month", "program_family"),
                        name="one_current_claim_per_beneficiary_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ClaimAck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "outcome",
                    models.CharField(help_text="accepted, rejected or status.", max_length=10),
                ),
                ("reasons", models.JSONField(default=list, help_text="Status codes in words.")),
                ("fix", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("resolved", "Resolved")],
                        default="resolved",
                        max_length=8,
                    ),
                ),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "acknowledgment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.acknowledgment",
                    ),
                ),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="acks",
                        to="billing.claim",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ClaimLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=8)),
                ("units", models.PositiveSmallIntegerField()),
                ("charge", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "expected",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="The Medicare amount from the rules core.",
                        max_digits=10,
                    ),
                ),
                ("service_date", models.DateField()),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="billing.claim",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Remittance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("digest", models.CharField(max_length=64)),
                ("payer_name", models.CharField(blank=True, max_length=60)),
                ("trace_number", models.CharField(blank=True, max_length=50)),
                ("payment_amount", models.DecimalField(decimal_places=2, max_digits=12)),
                ("payment_date", models.DateField(null=True)),
                ("posted_at", models.DateTimeField()),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "balanced",
                    models.BooleanField(default=True, help_text="BPR02 = Σ CLP04 − Σ PLB."),
                ),
                ("claims_amount", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                (
                    "payer_key",
                    models.CharField(
                        default="",
                        help_text="TRN03 (or the payer's name): whose trace number.",
                        max_length=80,
                    ),
                ),
                ("payment_method", models.CharField(blank=True, max_length=3)),
                ("plb_amount", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                (
                    "posted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The payee practice (N1*PE), when the file names one of ours.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practice",
                    ),
                ),
                (
                    "unmatched",
                    models.JSONField(
                        default=list, help_text="CLP01s that matched no claim of ours."
                    ),
                ),
                ("warnings", models.JSONField(default=list)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "payer_key", "trace_number"), name="remittance_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProviderAdjustment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("provider_id", models.CharField(blank=True, max_length=50)),
                ("fiscal_period", models.DateField(null=True)),
                ("reason", models.CharField(max_length=2)),
                ("reference", models.CharField(blank=True, max_length=50)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "remittance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="provider_adjustments",
                        to="billing.remittance",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RemittanceLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("claim_number", models.CharField(max_length=38)),
                ("status", models.CharField(max_length=2)),
                ("charge", models.DecimalField(decimal_places=2, max_digits=10)),
                ("paid", models.DecimalField(decimal_places=2, max_digits=10)),
                ("patient_responsibility", models.DecimalField(decimal_places=2, max_digits=10)),
                ("adjustments", models.JSONField(default=list)),
                ("remarks", models.JSONField(default=list)),
                (
                    "claim",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="remittances",
                        to="billing.claim",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "remittance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="billing.remittance",
                    ),
                ),
                (
                    "crossover_payer",
                    models.CharField(
                        blank=True,
                        help_text="NM1*TT: the payer the claim was forwarded to.",
                        max_length=60,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        help_text="paid, denied, reversed, unmatched … in words.",
                        max_length=10,
                    ),
                ),
                ("payer_claim_id", models.CharField(blank=True, max_length=50)),
                (
                    "segment",
                    models.PositiveIntegerField(default=0, help_text="The CLP's segment number."),
                ),
                (
                    "reversed",
                    models.BooleanField(
                        default=False,
                        help_text="A later CLP02 22 took this posting back (its rows are undone).",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("expected", "Expected from Medicare"),
                            ("paid", "Paid"),
                            ("adjusted", "Adjusted"),
                            ("patient", "Patient responsibility"),
                            ("denied", "Denied"),
                            ("reversal", "Payment reversed"),
                            ("correction", "Correction"),
                            ("void", "Void"),
                        ],
                        max_length=10,
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "group",
                    models.CharField(
                        blank=True, help_text="CAS group: CO, PR, OA, PI, CR.", max_length=2
                    ),
                ),
                ("reason", models.CharField(blank=True, help_text="CARC code.", max_length=5)),
                ("note", models.CharField(blank=True, max_length=300)),
                ("at", models.DateTimeField()),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger",
                        to="billing.claim",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "remittance",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="billing.remittance",
                    ),
                ),
                (
                    "line",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The CLP it posts: a reversal undoes exactly that posting's rows.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="billing.remittanceline",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("remittance__isnull", False)),
                        fields=["remittance"],
                        name="ledger_remittance_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Denial",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("reasons", models.JSONField(default=list, help_text="CARC/RARC codes in words.")),
                ("action", models.CharField(max_length=300)),
                ("billed_elsewhere", models.BooleanField(default=False)),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("resolved", "Resolved")],
                        default="open",
                        max_length=8,
                    ),
                ),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="denials",
                        to="billing.claim",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "remittance_line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="billing.remittanceline"
                    ),
                ),
                (
                    "service_code",
                    models.CharField(
                        blank=True,
                        help_text="A denied line's code; blank for the whole claim.",
                        max_length=8,
                    ),
                ),
            ],
        ),
        append_only("billing_ledgerentry"),
        migrations.RunPython(leave_room, fill_pages),
    ]
