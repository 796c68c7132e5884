"""The reports app's migrations up to 0002 in one (issue 17).

A database migrated from nothing is given this one: 5 operations for the 9 of the 2 migrations
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


class Migration(migrations.Migration):
    replaces = [
        ("reports", "0001_monthly_facts_and_service_contracts"),
        ("reports", "0002_measure_exclusions_counted"),
    ]

    initial = True

    dependencies = [
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CodeMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("code", models.CharField(max_length=8)),
                ("units", models.PositiveIntegerField(default=0)),
                ("amount", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenants.practice",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "month", "code"),
                        name="one_fact_per_code_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CoordinatorMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                (
                    "name",
                    models.CharField(
                        help_text="The user's name as the month saw it.", max_length=150
                    ),
                ),
                (
                    "patients",
                    models.PositiveIntegerField(
                        default=0, help_text="Patients they logged time on."
                    ),
                ),
                ("minutes", models.PositiveIntegerField(default=0)),
                ("calls", models.PositiveIntegerField(default=0)),
                ("reached", models.PositiveIntegerField(default=0)),
                (
                    "assigned",
                    models.PositiveIntegerField(default=0, help_text="Enrolled patients assigned."),
                ),
                ("billed_patients", models.PositiveIntegerField(default=0)),
                ("units", models.PositiveIntegerField(default=0)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenants.practice",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "month", "user"),
                        name="one_fact_per_coordinator_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="OutcomeMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                (
                    "cohort",
                    models.CharField(
                        choices=[
                            ("enrolled", "Enrolled"),
                            ("before", "Before enrolling"),
                            ("eligible", "Eligible, not enrolled"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "patients",
                    models.PositiveIntegerField(
                        default=0, help_text="Patient-months of the cohort."
                    ),
                ),
                ("ed_visits", models.PositiveIntegerField(default=0)),
                ("admissions", models.PositiveIntegerField(default=0)),
                ("readmissions", models.PositiveIntegerField(default=0)),
                (
                    "hba1c_denominator",
                    models.PositiveIntegerField(default=0, help_text="After exclusions."),
                ),
                ("hba1c_poor", models.PositiveIntegerField(default=0)),
                (
                    "bp_denominator",
                    models.PositiveIntegerField(default=0, help_text="After exclusions."),
                ),
                ("bp_controlled", models.PositiveIntegerField(default=0)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenants.practice",
                    ),
                ),
                (
                    "bp_excluded",
                    models.PositiveIntegerField(default=0, help_text="Denominator exclusions."),
                ),
                (
                    "hba1c_excluded",
                    models.PositiveIntegerField(default=0, help_text="Denominator exclusions."),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "month", "cohort"),
                        name="one_fact_per_cohort_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PracticeMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="First day of the practice-local month.")),
                (
                    "patients",
                    models.PositiveIntegerField(default=0, help_text="Alive at the month's start."),
                ),
                (
                    "eligible",
                    models.PositiveIntegerField(
                        help_text="Null: the rules did not run.", null=True
                    ),
                ),
                (
                    "eligible_open",
                    models.PositiveIntegerField(help_text="Eligible, not enrolled.", null=True),
                ),
                (
                    "consented",
                    models.PositiveIntegerField(default=0, help_text="New consents in the month."),
                ),
                (
                    "active",
                    models.PositiveIntegerField(default=0, help_text="Enrolled during the month."),
                ),
                ("billed_patients", models.PositiveIntegerField(default=0)),
                ("revoked", models.PositiveIntegerField(default=0)),
                ("revoked_reasons", models.JSONField(default=dict, help_text="{reason: patients}")),
                (
                    "minutes",
                    models.PositiveIntegerField(default=0, help_text="Countable minutes logged."),
                ),
                ("patients_with_minutes", models.PositiveIntegerField(default=0)),
                ("claims", models.PositiveIntegerField(default=0)),
                ("charges", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                (
                    "billed",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="Medicare amount of the month's claims.",
                        max_digits=14,
                    ),
                ),
                ("paid", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ("adjusted", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                (
                    "patient_responsibility",
                    models.DecimalField(decimal_places=2, default=0, max_digits=14),
                ),
                ("denied", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ("denied_reasons", models.JSONField(default=dict, help_text="{reason: dollars}")),
                ("open_balance", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                (
                    "potential",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Eligible patients at fee rates.",
                        max_digits=14,
                        null=True,
                    ),
                ),
                ("fee_basis", models.CharField(blank=True, max_length=200)),
                ("refreshed_at", models.DateTimeField()),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        to="tenants.practice",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "month"),
                        name="one_fact_per_practice_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ServiceContract",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "model",
                    models.CharField(
                        choices=[
                            ("percent", "Percent of collections"),
                            ("per_patient", "Per enrolled patient per month"),
                        ],
                        default="percent",
                        max_length=12,
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Percent of collections, or dollars per enrolled patient per month.",
                        max_digits=8,
                    ),
                ),
                (
                    "hourly_cost",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="What an hour of the company's care time costs it (for profitability).",
                        max_digits=8,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
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
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice"), name="one_contract_per_practice"
                    )
                ],
            },
        ),
    ]
