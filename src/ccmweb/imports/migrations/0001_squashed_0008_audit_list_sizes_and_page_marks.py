"""The imports app's migrations up to 0008 in one (issue 17).

A database migrated from nothing is given this one: 11 operations for the 25 of the 8
migrations it replaces (Django renders the models again for each). One that applied some of the
old migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def source_id_by_code_point(apps, schema_editor):
    """PostgreSQL's default collation sorts "a-2" and "a1" as a person would; the audit's rows
    sort by code point, as Python and SQLite do (models.AuditRow)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE imports_auditrow ALTER COLUMN source_id TYPE varchar(200) COLLATE "C"'
        )


class Migration(migrations.Migration):
    replaces = [
        ("imports", "0001_import_runs_ledger_measurements_medications"),
        ("imports", "0002_claimed_care_management_services"),
        ("imports", "0003_tenant_leading_indexes_serve_the_organization"),
        ("imports", "0004_measurements_include_egfr"),
        ("imports", "0005_audit_results"),
        ("imports", "0006_import_run_summary"),
        ("imports", "0007_import_formats_ccda_hl7"),
        ("imports", "0008_audit_list_sizes_and_page_marks"),
    ]

    initial = True

    dependencies = [
        ("patients", "0001_initial"),
        ("patients", "0003_tenant_leading_indexes_serve_the_organization"),
        ("tenants", "0001_initial"),
        ("tenants", "0002_two_factor"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.CharField(help_text="YYYY-MM", max_length=7)),
                ("started_at", models.DateTimeField(auto_now_add=True)),
                (
                    "computed_at",
                    models.DateTimeField(blank=True, help_text="Set when complete.", null=True),
                ),
                (
                    "summary",
                    models.TextField(
                        default="{}",
                        help_text="The JSON document but its patients, as text (keys in order).",
                    ),
                ),
                (
                    "seen",
                    models.JSONField(
                        default=list,
                        help_text="The visit parts of the rows, by number: [ccm, apcm, needed].",
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
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.practice",
                    ),
                ),
                (
                    "list_sizes",
                    models.JSONField(
                        default=dict,
                        help_text="How many patients each of the page's lists holds, by list.",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "month", "-computed_at"],
                        name="audit_result_latest",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditMark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("listed", models.CharField(max_length=20)),
                ("position", models.PositiveIntegerField()),
                ("rank", models.BigIntegerField()),
                ("source_id", models.CharField(blank=True, max_length=200)),
                ("patient_id", models.BigIntegerField()),
                (
                    "result",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="imports.auditresult",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("result", "listed", "position"), name="audit_mark_position"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rank", models.BigIntegerField()),
                ("source_id", models.CharField(blank=True, max_length=200)),
                ("mrn", models.CharField(max_length=64)),
                ("standing", models.PositiveIntegerField()),
                ("seen", models.PositiveIntegerField()),
                (
                    "patient",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                (
                    "result",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="imports.auditresult",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["result", "rank", "source_id", "patient"], name="audit_row_in_order"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditStanding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("fields", models.JSONField()),
                (
                    "result",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="imports.auditresult",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("result", "number"), name="audit_standing_number"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ClaimedService",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "claim_source_id",
                    models.CharField(help_text="The Claim/EOB id in the EMR.", max_length=200),
                ),
                ("code", models.CharField(max_length=8)),
                ("date", models.DateField()),
                ("provider_npi", models.CharField(blank=True, max_length=10)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="claimed_services",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "date"],
                        name="imports_cla_organiz_ef372b_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ImportedResource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("resource_type", models.CharField(max_length=40)),
                ("source_id", models.CharField(max_length=200)),
                ("content_hash", models.CharField(max_length=32)),
                ("object_id", models.BigIntegerField(blank=True, null=True)),
                ("last_run", models.UUIDField(null=True)),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
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
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "resource_type", "source_id"),
                        name="imported_resource_once_per_practice",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ImportRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "format",
                    models.CharField(
                        choices=[
                            ("fhir", "FHIR R4 (Bundles, NDJSON)"),
                            ("csv", "CSV (docs/import-csv.md)"),
                            ("ccda", "C-CDA documents (CCD, Referral Note; .xml)"),
                            ("hl7", "HL7v2 messages (ADT, ORU; .hl7)"),
                        ],
                        default="fhir",
                        max_length=4,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("running", "Running"), ("done", "Done"), ("failed", "Failed")],
                        default="running",
                        max_length=8,
                    ),
                ),
                ("started_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("files_total", models.PositiveIntegerField(default=0)),
                ("files_done", models.PositiveIntegerField(default=0)),
                (
                    "current_source",
                    models.CharField(
                        blank=True,
                        help_text="file:line of the last batch written (resume point).",
                        max_length=300,
                    ),
                ),
                ("loaded", models.PositiveIntegerField(default=0)),
                ("updated", models.PositiveIntegerField(default=0)),
                ("unchanged", models.PositiveIntegerField(default=0)),
                ("skipped", models.PositiveIntegerField(default=0)),
                ("rejected", models.PositiveIntegerField(default=0)),
                (
                    "failure",
                    models.CharField(
                        blank=True,
                        help_text="Why the run stopped; no patient data.",
                        max_length=300,
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="import_runs",
                        to="tenants.practice",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "summary",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="Patients created and updated, and the practice's coverage counts before and after the run (counts only, no patient data).",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "-started_at"],
                        name="imports_imp_organiz_838c4a_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ImportProblem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=300)),
                ("resource_type", models.CharField(blank=True, max_length=40)),
                ("resource_id", models.CharField(blank=True, max_length=200)),
                ("reason", models.CharField(max_length=500)),
                (
                    "warning",
                    models.BooleanField(default=False, help_text="Kept, with this field dropped."),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="problems",
                        to="imports.importrun",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Measurement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("blood_pressure", "Blood pressure"),
                            ("hba1c", "HbA1c"),
                            ("weight", "Weight"),
                            ("bmi", "BMI"),
                            ("egfr", "eGFR"),
                        ],
                        max_length=16,
                    ),
                ),
                ("date", models.DateField()),
                ("value", models.DecimalField(decimal_places=2, max_digits=8)),
                (
                    "value2",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="Diastolic, for blood pressure.",
                        max_digits=8,
                        null=True,
                    ),
                ),
                ("unit", models.CharField(blank=True, max_length=20)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measurements",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "kind", "-date"],
                        name="imports_mea_organiz_f5b3e9_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Medication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(max_length=200)),
                ("status", models.CharField(max_length=20)),
                ("rxnorm_code", models.CharField(blank=True, max_length=20, verbose_name="RxNorm")),
                ("display", models.CharField(blank=True, max_length=300)),
                ("authored_on", models.DateField(blank=True, null=True)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="medications",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "status"],
                        name="imports_med_organiz_34a5c7_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(source_id_by_code_point, migrations.RunPython.noop),
    ]
