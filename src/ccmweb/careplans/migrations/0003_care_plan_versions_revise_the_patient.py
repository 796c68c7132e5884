"""Changes to these rows bump their patients' revision (ccmweb.sql.revises_patient): the month
close rebuilds only the patients whose inputs changed."""

from django.db import migrations

from ccmweb.sql import revises_patient


class Migration(migrations.Migration):
    dependencies = [
        ("careplans", "0002_goal_progress_and_structured_content"),
        ("patients", "0006_patient_revision_bumped_by_close_inputs"),
    ]

    operations = [
        revises_patient(
            "careplans_careplanversion",
            via="careplans_careplan ON careplans_careplan.id = r.care_plan_id",
        )
    ]
