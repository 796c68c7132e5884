"""The patients app's migrations up to 0006 in one (issue 17).

A database migrated from nothing is given this one: 9 operations for the 24 of the 6 migrations
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

import ccmweb.patients.validators
from ccmweb.sql import patient_revision, revises_patient


class Migration(migrations.Migration):
    replaces = [
        ("patients", "0001_initial"),
        ("patients", "0002_part_b_may_be_unknown"),
        ("patients", "0003_tenant_leading_indexes_serve_the_organization"),
        ("patients", "0004_care_team_and_allergies"),
        ("patients", "0005_medicare_coverage_states_and_animals"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
    ]

    initial = True

    dependencies = [
        ("tenants", "0001_initial"),
        ("tenants", "0002_two_factor"),
        ("tenants", "0005_admin_pages_branding_policy_archive_membership_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Patient",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "source_id",
                    models.CharField(
                        blank=True,
                        help_text="The patient's id in the EMR export (FHIR Patient.id).",
                        max_length=200,
                    ),
                ),
                ("mrn", models.CharField(max_length=64, verbose_name="MRN")),
                ("given_name", models.CharField(max_length=100)),
                ("family_name", models.CharField(max_length=100)),
                ("birth_date", models.DateField()),
                (
                    "sex",
                    models.CharField(
                        choices=[
                            ("female", "Female"),
                            ("male", "Male"),
                            ("other", "Other"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=10,
                    ),
                ),
                ("phone", models.CharField(blank=True, max_length=30)),
                ("address_line", models.CharField(blank=True, max_length=200)),
                ("city", models.CharField(blank=True, max_length=100)),
                ("state", models.CharField(blank=True, max_length=2)),
                ("postal_code", models.CharField(blank=True, max_length=10)),
                (
                    "mbi",
                    models.CharField(
                        blank=True,
                        max_length=11,
                        validators=[ccmweb.patients.validators.validate_mbi],
                        verbose_name="Medicare Beneficiary Identifier",
                    ),
                ),
                (
                    "part_b",
                    models.BooleanField(
                        blank=True,
                        help_text="Unknown (empty) is never assumed to be covered.",
                        null=True,
                        verbose_name="Medicare Part B",
                    ),
                ),
                (
                    "qmb",
                    models.BooleanField(
                        default=False, verbose_name="Qualified Medicare Beneficiary"
                    ),
                ),
                ("deceased_date", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "coordinator",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_patients",
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
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="patients",
                        to="tenants.practice",
                    ),
                ),
                (
                    "animal",
                    models.BooleanField(
                        default=False,
                        help_text="A veterinary patient in the EMR: never an opportunity.",
                    ),
                ),
                (
                    "medicare",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("part_b", "part_b"),
                            ("medicare_advantage", "medicare_advantage"),
                            ("no_part_b", "no_part_b"),
                            ("unverified", "unverified"),
                            ("none", "none"),
                        ],
                        help_text="The coverage state of the imported coverage rows as of the last import (ccm.rules.coverage); empty: read from the Part B flag.",
                        max_length=20,
                        verbose_name="Medicare coverage",
                    ),
                ),
                (
                    "revision",
                    models.PositiveBigIntegerField(
                        db_default=0,
                        default=0,
                        editable=False,
                        help_text="Bumped by the database whenever an input of the month close changes (the patient's decision columns, time, MDM, conditions, encounters, consents, care plans).",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "practice", "family_name", "given_name"],
                        name="patients_pa_organiz_2b4e07_idx",
                    ),
                    models.Index(
                        fields=["organization", "source_id"], name="patients_pa_organiz_29f726_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "practice", "mrn"), name="patient_mrn_per_practice"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Encounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(blank=True, max_length=200)),
                ("date", models.DateField()),
                (
                    "encounter_class",
                    models.CharField(
                        choices=[
                            ("AMB", "Ambulatory"),
                            ("EMER", "Emergency"),
                            ("IMP", "Inpatient"),
                            ("HH", "Home health"),
                            ("VR", "Virtual"),
                            ("OTHER", "Other"),
                        ],
                        default="AMB",
                        max_length=8,
                    ),
                ),
                (
                    "type_system",
                    models.CharField(blank=True, help_text="cpt, hcpcs or snomed", max_length=10),
                ),
                ("type_code", models.CharField(blank=True, max_length=20)),
                ("type_display", models.CharField(blank=True, max_length=200)),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tenants.organization",
                    ),
                ),
                (
                    "practitioner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="tenants.practitioner",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="encounters",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "date"],
                        name="patients_en_organiz_cd39db_idx",
                    ),
                    models.Index(
                        fields=["organization", "source_id"], name="patients_en_organiz_d22fb2_idx"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Coverage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(blank=True, max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("medicare_part_a", "Medicare Part A"),
                            ("medicare_part_b", "Medicare Part B (fee-for-service)"),
                            ("medicare_advantage", "Medicare Advantage (Part C)"),
                            ("medicare_part_d", "Medicare Part D"),
                            ("medigap", "Medigap (Medicare supplement)"),
                            ("medicaid", "Medicaid"),
                            ("qmb", "Dual: Qualified Medicare Beneficiary (QMB)"),
                            ("slmb", "Dual: Specified Low-Income Medicare Beneficiary (SLMB)"),
                            ("qi", "Dual: Qualifying Individual (QI)"),
                            ("dual_full", "Dual: full-benefit dual eligible"),
                            ("dual_other", "Dual eligible (program not named)"),
                            ("other", "Other (not Medicare)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("payer_name", models.CharField(blank=True, max_length=200)),
                ("member_id", models.CharField(blank=True, max_length=64)),
                ("start_date", models.DateField(blank=True, null=True)),
                ("end_date", models.DateField(blank=True, null=True)),
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
                        related_name="coverages",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "source_id"], name="patients_co_organiz_839697_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Condition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(blank=True, max_length=200)),
                (
                    "icd10_code",
                    models.CharField(blank=True, max_length=8, verbose_name="ICD-10-CM"),
                ),
                (
                    "snomed_code",
                    models.CharField(blank=True, max_length=20, verbose_name="SNOMED CT"),
                ),
                ("display", models.CharField(blank=True, max_length=300)),
                ("onset_date", models.DateField(blank=True, null=True)),
                ("abatement_date", models.DateField(blank=True, null=True)),
                (
                    "clinical_status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("recurrence", "Recurrence"),
                            ("relapse", "Relapse"),
                            ("inactive", "Inactive"),
                            ("remission", "Remission"),
                            ("resolved", "Resolved"),
                        ],
                        default="active",
                        max_length=12,
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conditions",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "source_id"], name="patients_co_organiz_a5f00a_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("icd10_code", ""), ("snomed_code", ""), _negated=True),
                        name="condition_has_a_code",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CareTeamMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("pcp", "Primary care practitioner"),
                            ("specialist", "Specialist"),
                            ("caregiver", "Caregiver"),
                            ("pharmacy", "Pharmacy"),
                            ("other", "Other"),
                        ],
                        max_length=12,
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "detail",
                    models.CharField(
                        blank=True,
                        help_text="Specialty, or the caregiver's relationship.",
                        max_length=200,
                    ),
                ),
                ("phone", models.CharField(blank=True, max_length=30)),
                ("email", models.EmailField(blank=True, max_length=254)),
                (
                    "may_share",
                    models.BooleanField(
                        default=False,
                        help_text="Only for caregivers and others.",
                        verbose_name="Patient allows sharing",
                    ),
                ),
                ("added_at", models.DateTimeField(auto_now_add=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="care_team",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient", "role"],
                        name="patients_ca_organiz_e87b1b_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Allergy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source_id", models.CharField(blank=True, max_length=200)),
                ("substance", models.CharField(max_length=300)),
                ("reaction", models.CharField(blank=True, max_length=300)),
                (
                    "criticality",
                    models.CharField(blank=True, help_text="low, high or unknown", max_length=20),
                ),
                ("clinical_status", models.CharField(default="active", max_length=12)),
                ("recorded_on", models.DateField(blank=True, null=True)),
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
                        related_name="allergies",
                        to="patients.patient",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organization", "patient"], name="patients_al_organiz_f257dd_idx"
                    ),
                    models.Index(
                        fields=["organization", "source_id"], name="patients_al_organiz_cd241b_idx"
                    ),
                ],
            },
        ),
        patient_revision(),
        revises_patient("patients_condition"),
        revises_patient("patients_encounter"),
    ]
