"""Patient.revision: bumped by the database when the patient's decision columns, conditions or
encounters change (ccmweb.sql.revises_patient); the month close rebuilds only changed patients."""

from django.db import migrations, models

from ccmweb.sql import patient_revision, revises_patient


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_medicare_coverage_states_and_animals"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="revision",
            field=models.PositiveBigIntegerField(
                db_default=0,
                default=0,
                editable=False,
                help_text="Bumped by the database whenever an input of the month close changes (the patient's decision columns, time, MDM, conditions, encounters, consents, care plans).",
            ),
        ),
        patient_revision(),
        revises_patient("patients_condition"),
        revises_patient("patients_encounter"),
    ]
