"""Changes to these rows bump their patients' revision (ccmweb.sql.revises_patient): the month
close rebuilds only the patients whose inputs changed."""

from django.db import migrations

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0001_consent_records_and_enrollment"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
    ]

    operations = [revises_patient("enrollment_consentrecord")]
