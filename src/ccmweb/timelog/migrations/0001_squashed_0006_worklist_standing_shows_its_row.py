"""The timelog app's migrations up to 0006 in one (issue 17).

A database migrated from nothing is given this one: 7 operations for the 13 of the 6 migrations
it replaces (Django renders the models again for each). One that applied some of the old
migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
The data migrations, elidable (they change rows that a database made from nothing does not
have), are left out: 0006_worklist_standing_shows_its_row.recompute_all.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    replaces = [
        ("timelog", "0001_time_entries_timers_outreach_mdm"),
        ("timelog", "0002_worklist_standings"),
        ("timelog", "0003_time_and_mdm_revise_the_patient"),
        ("timelog", "0004_worklist_standing_unique_per_organization"),
        ("timelog", "0005_worklist_standing_stamp"),
        ("timelog", "0006_worklist_standing_shows_its_row"),
    ]

    initial = True

    dependencies = [
        ("patients", "0001_initial"),
        ("patients", "0005_medicare_coverage_states_and_animals"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
        ("tenants", "0001_initial"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthMDM",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="First day of the (practice-local) month.")),
                (
                    "level",
                    models.CharField(
                        choices=[("low", "Low"), ("moderate", "Moderate"), ("high", "High")],
                        max_length=10,
                    ),
                ),
                ("recorded_at", models.DateTimeField(auto_now=True)),
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
                        related_name="month_mdm",
                        to="patients.patient",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "patient", "month"),
                        name="one_mdm_per_patient_month",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="OutreachAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("at", models.DateTimeField()),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("call", "Call"),
                            ("sms", "Text message"),
                            ("letter", "Letter"),
                            ("portal", "Portal message"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("reached", "Reached"),
                            ("no_answer", "No answer"),
                            ("voicemail", "Left voicemail"),
                            ("wrong_number", "Wrong number"),
                            ("declined", "Declined to talk"),
                            ("sent", "Sent"),
                        ],
                        max_length=16,
                    ),
                ),
                ("next_contact", models.DateField(blank=True, null=True)),
                ("note", models.TextField(blank=True)),
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
                        related_name="outreach_attempts",
                        to="patients.patient",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outreach_attempts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "at"],
                        name="timelog_out_organiz_180bcc_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RunningTimer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("paused_at", models.DateTimeField(blank=True, null=True)),
                ("accumulated_seconds", models.PositiveIntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="tenants.organization"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="running_timers",
                        to="patients.patient",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="running_timers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "user"), name="one_timer_per_user"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TimeEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "performer",
                    models.CharField(
                        choices=[
                            ("clinical_staff", "Clinical staff"),
                            ("practitioner", "Billing practitioner"),
                            ("other", "Other staff (not countable)"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "program",
                    models.CharField(
                        choices=[
                            ("ccm", "CCM"),
                            ("pcm", "PCM"),
                            ("apcm", "APCM"),
                            ("rpm", "RPM"),
                            ("bhi", "BHI"),
                            ("tcm", "TCM"),
                        ],
                        default="ccm",
                        max_length=8,
                    ),
                ),
                (
                    "activity",
                    models.CharField(
                        choices=[
                            ("medication_reconciliation", "Medication reconciliation"),
                            ("care_plan_review", "Care plan review"),
                            ("patient_call", "Patient call"),
                            ("caregiver_call", "Caregiver call"),
                            ("specialist_coordination", "Coordination with specialist"),
                            ("referral", "Referral"),
                            ("education", "Education"),
                            ("transition_follow_up", "Transition follow-up"),
                            ("community_resources", "Community resources"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("ended_at", models.DateTimeField()),
                ("minutes", models.PositiveIntegerField()),
                ("note", models.TextField(blank=True)),
                ("countable", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "amends",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="amendments",
                        to="timelog.timeentry",
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
                        related_name="time_entries",
                        to="patients.patient",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="time_entries",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "started_at"],
                        name="timelog_tim_organiz_a93042_idx",
                    ),
                    models.Index(
                        fields=["organization", "user", "started_at"],
                        name="timelog_tim_organiz_6226c4_idx",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ended_at__gt", models.F("started_at"))),
                        name="time_entry_ends_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="WorklistState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The practice-local day it was computed for.")),
                ("fresh", models.BooleanField(default=True)),
                ("program", models.CharField(blank=True, max_length=8)),
                ("status", models.CharField(max_length=10)),
                ("counted", models.IntegerField()),
                ("tasks_due", models.IntegerField(default=0)),
                (
                    "call_due",
                    models.BooleanField(
                        default=False, help_text="A call scheduled for today or before."
                    ),
                ),
                (
                    "due",
                    models.BooleanField(
                        default=False, help_text="On today's day plan (worklist.is_due)."
                    ),
                ),
                ("rank1", models.FloatField()),
                ("rank2", models.FloatField()),
                ("rank3", models.FloatField()),
                ("rank4", models.FloatField()),
                (
                    "contact",
                    models.FloatField(help_text="Last contact as a POSIX timestamp, 0 for never."),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.organization",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="worklist_state",
                        to="patients.patient",
                    ),
                ),
                (
                    "stamp",
                    models.BigIntegerField(
                        default=0,
                        help_text="Bumped by every mark: a recompute stores its result only where it is unchanged since it read the facts.",
                    ),
                ),
                (
                    "revision",
                    models.PositiveBigIntegerField(
                        default=0,
                        help_text="The patient's revision the standing was computed from.",
                    ),
                ),
                (
                    "shown",
                    models.JSONField(
                        default=dict,
                        help_text="The rest of what the worklist row shows (worklist_state.shown).",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "patient"), name="one_worklist_standing_per_patient"
                    )
                ],
            },
        ),
        revises_patient("timelog_timeentry"),
        revises_patient("timelog_monthmdm"),
    ]
