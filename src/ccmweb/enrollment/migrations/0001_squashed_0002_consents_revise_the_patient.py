"""The enrollment app's migrations up to 0002 in one (issue 17).

A database migrated from nothing is given this one: 3 operations for the 6 of the 2 migrations
it replaces (Django renders the models again for each). One that applied some of the old
migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    replaces = [
        ("enrollment", "0001_consent_records_and_enrollment"),
        ("enrollment", "0002_consents_revise_the_patient"),
    ]

    initial = True

    dependencies = [
        ("patients", "0001_initial"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
        ("tenants", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ConsentRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "program",
                    models.CharField(
                        choices=[
                            ("ccm", "CCM (chronic care management)"),
                            ("pcm", "PCM (principal care management)"),
                            ("apcm", "APCM (advanced primary care management)"),
                        ],
                        max_length=4,
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("revoked", "Revoked"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[("verbal", "Verbal"), ("written", "Written")],
                        max_length=8,
                    ),
                ),
                ("obtained_at", models.DateTimeField()),
                (
                    "effective_date",
                    models.DateField(
                        help_text="Local date of the decision; a revocation takes effect at the end of this date's month."
                    ),
                ),
                ("decline_reason", models.CharField(blank=True, max_length=300)),
                ("document", models.FileField(blank=True, upload_to="consents/%Y/%m/")),
                (
                    "disclosures_shown",
                    models.TextField(help_text="The script shown, as it read then."),
                ),
                (
                    "expected_coinsurance",
                    models.DecimalField(decimal_places=2, max_digits=8, null=True),
                ),
                (
                    "billing_practitioner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practitioner",
                    ),
                ),
                (
                    "obtained_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consents",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "effective_date"],
                        name="enrollment__organiz_a23bb2_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Enrollment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "program",
                    models.CharField(
                        choices=[
                            ("ccm", "CCM (chronic care management)"),
                            ("pcm", "PCM (principal care management)"),
                            ("apcm", "APCM (advanced primary care management)"),
                        ],
                        max_length=4,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("enrolled", "Enrolled"),
                            ("declined", "Declined"),
                            ("revoked", "Revoked"),
                        ],
                        max_length=8,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "billing_practitioner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practitioner",
                    ),
                ),
                (
                    "consent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="enrollment.consentrecord",
                    ),
                ),
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
                        related_name="enrollments",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "status", "program"],
                        name="enrollment__organiz_64c3f2_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "patient"), name="one_enrollment_per_patient"
                    )
                ],
            },
        ),
        revises_patient("enrollment_consentrecord"),
    ]
