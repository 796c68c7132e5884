"""The jobs app's migrations up to 0003 in one (issue 17).

A database migrated from nothing is given this one: 2 operations for the 4 of the 3 migrations
it replaces (Django renders the models again for each). One that applied some of the old
migrations goes on with them. Written from the state the old migrations leave, as
makemigrations would write the app from nothing, the indexes and constraints made with their
tables; the trigger and schema steps come last, once the tables stand. It makes the same schema
as the old migrations (compared on PostgreSQL and SQLite; on SQLite the columns stand in the
models' order, as on PostgreSQL, where a rebuilt table had moved an altered column to its end).
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("jobs", "0001_background_jobs_and_scheduled_runs"),
        ("jobs", "0002_worklist_job_kind"),
        ("jobs", "0003_job_rerun_when_asked_while_running"),
    ]

    initial = True

    dependencies = [
        ("tenants", "0002_two_factor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ScheduledRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                ("due_at", models.DateTimeField()),
                ("claimed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("worker", models.CharField(blank=True, max_length=120)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("name", "due_at"), name="scheduled_run_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="Job",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("import", "Import"),
                            ("close", "Month close"),
                            ("audit", "Enrollment gap audit"),
                            ("report", "Report refresh"),
                            ("worklist", "Worklist standings"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        blank=True,
                        help_text="What it works on (a month, a run id): one at a time.",
                        max_length=60,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                            ("interrupted", "Interrupted"),
                        ],
                        default="queued",
                        max_length=12,
                    ),
                ),
                (
                    "task_path",
                    models.CharField(
                        help_text="The django.tasks task that runs it.", max_length=200
                    ),
                ),
                (
                    "arguments",
                    models.JSONField(default=dict, help_text="The task's keyword arguments."),
                ),
                (
                    "task_id",
                    models.CharField(
                        blank=True, help_text="django.tasks' result id.", max_length=64
                    ),
                ),
                ("enqueued_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "worker",
                    models.CharField(blank=True, help_text="host:pid running it.", max_length=120),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("done", models.PositiveBigIntegerField(default=0)),
                ("total", models.PositiveBigIntegerField(blank=True, null=True)),
                (
                    "unit",
                    models.CharField(
                        blank=True, help_text="What done and total count.", max_length=20
                    ),
                ),
                (
                    "failure",
                    models.CharField(
                        blank=True,
                        help_text="Why it stopped: an error's class, no patient data.",
                        max_length=300,
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
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
                    "rerun",
                    models.BooleanField(
                        default=False,
                        help_text="Asked for again while running: queued once more when done.",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "kind", "subject", "-enqueued_at"],
                        name="job_latest_of_a_subject",
                    ),
                    models.Index(fields=["status"], name="job_by_status"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["queued", "running"])),
                        fields=("organization", "practice", "kind", "subject"),
                        name="one_active_job_a_subject",
                    )
                ],
            },
        ),
    ]
