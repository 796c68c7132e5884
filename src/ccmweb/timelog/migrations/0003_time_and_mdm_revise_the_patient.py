"""Changes to these rows bump their patients' revision (ccmweb.sql.revises_patient): the month
close rebuilds only the patients whose inputs changed."""

from django.db import migrations

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    dependencies = [
        ("timelog", "0002_worklist_standings"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
    ]

    operations = [revises_patient("timelog_timeentry"), revises_patient("timelog_monthmdm")]
