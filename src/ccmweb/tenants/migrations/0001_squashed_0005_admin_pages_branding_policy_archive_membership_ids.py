"""The tenants app's migrations up to 0005 in one (issue 17).

A database migrated from nothing is given this one: 6 operations for the 25 of the 5 migrations
it replaces (Django renders the models again for each). One that applied some of the old
migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
The data migrations, elidable (they change rows that a database made from nothing does not
have), are left out:
0005_admin_pages_branding_policy_archive_membership_ids.give_memberships_uids.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import ccmweb.tenants.validators


def membership_uid_unique_as_before(apps, schema_editor):
    """Membership.uid's unique constraint under the name 0005 gave it (an AlterField's, where
    a field made unique with its table is named by PostgreSQL)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE tenants_membership RENAME CONSTRAINT tenants_membership_uid_key"
            " TO tenants_membership_uid_3d40d84e_uniq"
        )


class Migration(migrations.Migration):
    replaces = [
        ("tenants", "0001_initial"),
        ("tenants", "0002_two_factor"),
        ("tenants", "0003_practice_import_settings_and_practitioner_coordinator"),
        ("tenants", "0004_practice_revenue_codes"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Organization",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=200)),
                ("slug", models.SlugField(max_length=60, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("service_company", "CCM service company"),
                            ("practice", "Single practice"),
                        ],
                        default="practice",
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "require_two_factor",
                    models.BooleanField(
                        default=False,
                        help_text="Every member must set up an authenticator app before using ccm here.",
                    ),
                ),
                (
                    "brand_color",
                    models.CharField(
                        blank=True,
                        help_text="e.g. #1f6feb",
                        max_length=7,
                        validators=[ccmweb.tenants.validators.validate_color],
                    ),
                ),
                (
                    "idle_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Sign members out sooner than the installation does; blank keeps its setting.",
                        null=True,
                    ),
                ),
                ("logo", models.BinaryField(blank=True, null=True)),
                ("logo_type", models.CharField(blank=True, editable=False, max_length=20)),
                (
                    "min_password_length",
                    models.PositiveSmallIntegerField(
                        default=12, help_text="At least 12, at most 64."
                    ),
                ),
                (
                    "patient_facing_name",
                    models.CharField(
                        blank=True,
                        help_text="The name patients see on letters and care plan copies; a practice may set its own.",
                        max_length=200,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Practice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=200)),
                ("slug", models.SlugField(max_length=60)),
                (
                    "tin",
                    models.CharField(
                        max_length=9,
                        validators=[ccmweb.tenants.validators.validate_tin],
                        verbose_name="TIN",
                    ),
                ),
                (
                    "billing_npi",
                    models.CharField(
                        max_length=10,
                        validators=[ccmweb.tenants.validators.validate_npi],
                        verbose_name="billing NPI",
                    ),
                ),
                (
                    "setting",
                    models.CharField(
                        choices=[
                            ("office", "Physician office"),
                            ("fqhc", "Federally qualified health center"),
                            ("rhc", "Rural health clinic"),
                        ],
                        default="office",
                        max_length=10,
                    ),
                ),
                (
                    "locality",
                    models.CharField(
                        blank=True,
                        help_text="MAC + locality number, e.g. 0111205; blank uses national amounts.",
                        max_length=7,
                        validators=[ccmweb.tenants.validators.validate_locality],
                        verbose_name="Medicare locality",
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        default="America/New_York",
                        max_length=64,
                        validators=[ccmweb.tenants.validators.validate_time_zone],
                    ),
                ),
                ("address_line", models.CharField(blank=True, max_length=200)),
                ("city", models.CharField(blank=True, max_length=100)),
                ("state", models.CharField(blank=True, max_length=2)),
                (
                    "postal_code",
                    models.CharField(
                        blank=True,
                        max_length=10,
                        validators=[ccmweb.tenants.validators.validate_postal_code],
                        verbose_name="ZIP code",
                    ),
                ),
                (
                    "branding_name",
                    models.CharField(
                        blank=True,
                        help_text="Name shown to patients; defaults to the practice name.",
                        max_length=200,
                    ),
                ),
                ("branding_phone", models.CharField(blank=True, max_length=30)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="practices",
                        to="tenants.organization",
                    ),
                ),
                (
                    "coordinator_assignment",
                    models.CharField(
                        choices=[
                            (
                                "unassigned",
                                "Leave them unassigned: admins assign them from the queue",
                            ),
                            (
                                "billing_practitioner",
                                "The coordinator of the patient's billing practitioner",
                            ),
                            ("round_robin", "In turn among the practice's coordinators"),
                        ],
                        default="unassigned",
                        help_text="How patients new from an EMR import get their care coordinator.",
                        max_length=24,
                    ),
                ),
                (
                    "mrn_identifier_system",
                    models.CharField(
                        blank=True,
                        help_text="The EMR's system (URI, OID or HL7v2 assigning authority) of the practice's medical record numbers, for exports that do not label them MR or MRN.",
                        max_length=200,
                        validators=[ccmweb.tenants.validators.validate_identifier_system],
                        verbose_name="MRN identifier system",
                    ),
                ),
                (
                    "archived_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Archived: hidden from pages, its data kept.",
                        null=True,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "slug"), name="practice_slug_per_org"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("coordinator", "Care coordinator"),
                            ("practitioner", "Billing practitioner"),
                            ("biller", "Billing specialist"),
                            ("admin", "Practice administrator"),
                            ("auditor", "Auditor"),
                        ],
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="tenants.organization",
                    ),
                ),
                (
                    "practices",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Leave empty for all of the organisation's practices.",
                        to="tenants.practice",
                    ),
                ),
                (
                    "deactivated_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Left the organisation: no access, history kept.",
                        null=True,
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "user"), name="one_membership_per_org"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Practitioner",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("given_name", models.CharField(max_length=100)),
                ("family_name", models.CharField(max_length=100)),
                (
                    "npi",
                    models.CharField(
                        max_length=10,
                        validators=[ccmweb.tenants.validators.validate_npi],
                        verbose_name="NPI",
                    ),
                ),
                (
                    "credential",
                    models.CharField(
                        choices=[
                            ("MD", "MD"),
                            ("DO", "DO"),
                            ("NP", "Nurse practitioner"),
                            ("PA", "Physician assistant"),
                            ("CNS", "Clinical nurse specialist"),
                            ("CNM", "Certified nurse-midwife"),
                        ],
                        default="MD",
                        max_length=4,
                    ),
                ),
                (
                    "source_id",
                    models.CharField(
                        blank=True, help_text="Identifier in the EMR.", max_length=200
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
                        related_name="practitioners",
                        to="tenants.practice",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="practitioner_profiles",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "coordinator",
                    models.ForeignKey(
                        blank=True,
                        help_text="The care coordinator who works this practitioner's patients (used when the practice assigns imported patients by billing practitioner).",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="practitioners_coordinated",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "npi"),
                        name="practitioner_npi_per_practice",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RevenueCodeSetting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "effective_from",
                    models.DateField(help_text="First date of service the code applies to."),
                ),
                (
                    "revenue_code",
                    models.CharField(
                        max_length=4, validators=[ccmweb.tenants.validators.validate_revenue_code]
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
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
                        related_name="revenue_codes",
                        to="tenants.practice",
                    ),
                ),
            ],
            options={
                "ordering": ["effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "effective_from"),
                        name="one_revenue_code_per_practice_date",
                    )
                ],
            },
        ),
        migrations.RunPython(membership_uid_unique_as_before, migrations.RunPython.noop),
    ]
