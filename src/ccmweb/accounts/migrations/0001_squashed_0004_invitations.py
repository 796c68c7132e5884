"""The accounts app's migrations up to 0004 in one (issue 17).

A database migrated from nothing is given this one: 4 operations for the 4 of the 4 migrations
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

from ccmweb.sql import append_only


class Migration(migrations.Migration):
    replaces = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_two_factor"),
        ("accounts", "0003_access_log_append_only_in_the_database"),
        ("accounts", "0004_invitations"),
    ]

    initial = True

    dependencies = [
        ("tenants", "0001_initial"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Invitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("email", models.EmailField(max_length=254)),
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
                ("token_digest", models.CharField(db_index=True, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("accepted_at", models.DateTimeField(null=True)),
                ("revoked_at", models.DateTimeField(null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="tenants.organization"
                    ),
                ),
                ("practices", models.ManyToManyField(blank=True, to="tenants.practice")),
            ],
        ),
        migrations.CreateModel(
            name="TwoFactor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("secret", models.CharField(max_length=64)),
                ("confirmed_at", models.DateTimeField()),
                ("last_step", models.BigIntegerField(default=0)),
                ("recovery_digests", models.JSONField(default=list)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="two_factor",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AccessLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("view", "Viewed"),
                            ("create", "Created"),
                            ("update", "Changed"),
                            ("delete", "Deleted"),
                            ("export", "Exported"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "object_type",
                    models.CharField(
                        help_text="e.g. patient, condition, time_entry", max_length=40
                    ),
                ),
                (
                    "object_uid",
                    models.CharField(help_text="Opaque id, never a name or MRN.", max_length=64),
                ),
                ("patient_uid", models.CharField(blank=True, db_index=True, max_length=64)),
                ("ip_address", models.GenericIPAddressField(null=True)),
                (
                    "path",
                    models.CharField(
                        blank=True, help_text="URL path; ours carry opaque ids.", max_length=300
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="tenants.organization"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "at"], name="accounts_ac_organiz_f5cc4f_idx"
                    )
                ],
            },
        ),
        append_only("accounts_accesslog"),
    ]
