"""Goal progress rows, and every version's content moved to the structured shape (schema 2).

The old shape: problems as typed lines, goals and interventions for the plan as a whole, one
text per element. Moved sensibly: each typed problem becomes a problem; when it (or the plan's
template) names one of the patient's conditions it takes that condition's code, else its code
stays empty until the next revision picks it from the problem list. The plan's goals and
interventions go under its first problem (the old plans were written for one condition); goals
get an id and "not started"; element texts move under "elements". The words are unchanged and
the old content is kept under "legacy" for the audit.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


TEXT_KEYS = (
    "expected_outcome",
    "prognosis",
    "symptom_management",
    "medication_management",
    "community_services",
    "coordination",
    "review_schedule",
)
TEMPLATE_GROUP = {
    "diabetes": "diabetes",
    "hypertension": "hypertension",
    "heart_failure": "heart_failure",
    "copd": "chronic_obstructive_pulmonary_disease_and_bronchiectasis",
    "ckd": "chronic_kidney_disease",
    "depression": "depression",
}


def _code_for(text, template, conditions):
    """The patient's condition the typed problem names (same words, or the template's group)."""
    from ccm.codes import condition_groups

    words = text.strip().lower()
    for code, display in conditions:
        if display and display.strip().lower() == words:
            return code
    group = TEMPLATE_GROUP.get(template)
    for code, _display in conditions:
        if group and group in condition_groups(code):
            return code
    return ""


def upgrade(content, template, conditions):
    if not isinstance(content, dict) or content.get("schema") == 2:
        return None
    typed = [str(p) for p in content.get("problems") or [] if str(p).strip()]
    problems = []
    for n, text in enumerate(typed or ["Problem"]):
        code = _code_for(text, template if n == 0 else "", conditions)
        problems.append(
            {"code": code, "display": text, "goals": [], "interventions": [], "barriers": ""}
        )
    for g in content.get("goals") or []:
        g = g if isinstance(g, dict) else {"goal": str(g)}
        problems[0]["goals"].append(
            {
                "id": uuid.uuid4().hex[:12],
                "goal": str(g.get("goal", "")),
                "target": str(g.get("target", "")),
                "due": str(g.get("due", "")),
                "status": "not_started",
            }
        )
    for i in content.get("interventions") or []:
        i = i if isinstance(i, dict) else {"intervention": str(i)}
        problems[0]["interventions"].append(
            {
                "intervention": str(i.get("intervention", "")),
                "owner": str(i.get("responsible", "")),
                "due": "",
            }
        )
    return {
        "schema": 2,
        "problems": problems,
        "priorities": "",
        "elements": {k: str(content.get(k, "")) for k in TEXT_KEYS},
        "legacy": content,
    }


def forwards(apps, schema_editor):
    Version = apps.get_model("careplans", "CarePlanVersion")
    Condition = apps.get_model("patients", "Condition")
    for version in Version.objects.select_related("care_plan").iterator():
        plan = version.care_plan
        conditions = [
            (c.icd10_code or c.snomed_code, c.display)
            for c in Condition.objects.filter(patient_id=plan.patient_id).order_by("pk")
        ]
        new = upgrade(version.content, plan.template, conditions)
        if new is not None:
            Version.objects.filter(pk=version.pk).update(content=new)


def backwards(apps, schema_editor):
    Version = apps.get_model("careplans", "CarePlanVersion")
    for version in Version.objects.iterator():
        legacy = (version.content or {}).get("legacy")
        if legacy is not None:
            Version.objects.filter(pk=version.pk).update(content=legacy)



class Migration(migrations.Migration):

    dependencies = [
        ('careplans', '0001_care_plans_and_versions'),
        ('patients', '0003_tenant_leading_indexes_serve_the_organization'),
        ('tenants', '0005_admin_pages_branding_policy_archive_membership_ids'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='GoalProgress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('goal_id', models.CharField(help_text="The goal's id in the version content.", max_length=32)),
                ('status', models.CharField(max_length=12)),
                ('note', models.TextField(blank=True)),
                ('recorded_at', models.DateTimeField()),
                ('care_plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='progress', to='careplans.careplan')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='tenants.organization')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['organization', 'care_plan', 'goal_id', 'recorded_at'], name='careplans_g_organiz_4baf2e_idx')],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
