"""The careplans app's migrations up to 0003 in one (issue 17).

A database migrated from nothing is given this one: 5 operations for the 8 of the 3 migrations
it replaces (Django renders the models again for each). One that applied some of the old
migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
The data migrations, elidable (they change rows that a database made from nothing does not
have), are left out: 0002_goal_progress_and_structured_content.forwards.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    replaces = [
        ("careplans", "0001_care_plans_and_versions"),
        ("careplans", "0002_goal_progress_and_structured_content"),
        ("careplans", "0003_care_plan_versions_revise_the_patient"),
    ]

    initial = True

    dependencies = [
        ("patients", "0001_initial"),
        ("patients", "0003_tenant_leading_indexes_serve_the_organization"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
        ("tenants", "0001_initial"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CarePlan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("template", models.CharField(blank=True, max_length=30)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
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
                        related_name="care_plans",
                        to="patients.patient",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="CarePlanVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("number", models.PositiveIntegerField()),
                (
                    "content",
                    models.JSONField(help_text="The cms-rules §5 elements; see careplans.content."),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "effective_from",
                    models.DateField(
                        blank=True,
                        help_text="Local date of signing: in force from then on.",
                        null=True,
                    ),
                ),
                (
                    "care_plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="careplans.careplan",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
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
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.practitioner",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "care_plan", "effective_from"],
                        name="careplans_c_organiz_d7374d_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "care_plan", "number"),
                        name="careplan_version_number",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CarePlanCopyGiven",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("given_at", models.DateTimeField()),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("in_person", "In person"),
                            ("mail", "Mail"),
                            ("portal", "Patient portal"),
                            ("email", "Email"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "given_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
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
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="copies_given",
                        to="careplans.careplanversion",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="GoalProgress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "goal_id",
                    models.CharField(
                        help_text="The goal's id in the version content.", max_length=32
                    ),
                ),
                ("status", models.CharField(max_length=12)),
                ("note", models.TextField(blank=True)),
                ("recorded_at", models.DateTimeField()),
                (
                    "care_plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="progress",
                        to="careplans.careplan",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "care_plan", "goal_id", "recorded_at"],
                        name="careplans_g_organiz_4baf2e_idx",
                    )
                ],
            },
        ),
        revises_patient(
            "careplans_careplanversion",
            via="careplans_careplan ON careplans_careplan.id = r.care_plan_id",
        ),
    ]
