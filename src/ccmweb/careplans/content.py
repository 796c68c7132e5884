"""What a comprehensive care plan holds (cms-rules §5) and the templates that prefill it.

Content is a plain dict stored as JSON on each version:
problems [str], expected_outcome, prognosis, goals [{goal, target, due}],
symptom_management, interventions [{intervention, responsible}], medication_management,
community_services, coordination, review_schedule. Goals must be measurable: a target and a
due date each (NOR-QA A4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

TEXT_ELEMENTS = [
    ("expected_outcome", "Expected outcome"),
    ("prognosis", "Prognosis"),
    ("symptom_management", "Symptom management"),
    ("medication_management", "Medication management"),
    ("community_services", "Community and social services"),
    ("coordination", "Coordination with outside providers"),
    ("review_schedule", "Schedule of review"),
]

_COMMON = {
    "prognosis": "Stable with continued management.",
    "medication_management": "Reconcile medications monthly; review adherence and side effects.",
    "community_services": "Screen for transportation, food and caregiver needs; refer as needed.",
    "coordination": "Share this plan with specialists and after any ED visit or hospital stay.",
    "review_schedule": "Review monthly at the care-management call; revise at least yearly.",
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "diabetes": {
        "label": "Diabetes",
        "problems": ["Type 2 diabetes mellitus"],
        "expected_outcome": "Blood sugar in target range without hypoglycaemia.",
        "goals": [
            ("HbA1c below target", "HbA1c < 7.5%", 90),
            ("Daily foot checks", "7 of 7 days", 30),
        ],
        "symptom_management": "Know the signs of low and high blood sugar and what to do.",
        "interventions": [
            ("Review glucose log", "Care coordinator"),
            ("Adjust diabetes medicines", "Billing practitioner"),
            ("Annual eye and foot exam referral", "Care coordinator"),
        ],
    },
    "hypertension": {
        "label": "Hypertension",
        "problems": ["Essential hypertension"],
        "expected_outcome": "Blood pressure controlled, lower risk of stroke and heart attack.",
        "goals": [
            ("Blood pressure at goal", "< 130/80 mmHg", 90),
            ("Home blood pressure readings", "5 readings a week", 30),
        ],
        "symptom_management": "Report headaches, dizziness or readings above 180/110 at once.",
        "interventions": [
            ("Review home readings", "Care coordinator"),
            ("Adjust blood-pressure medicines", "Billing practitioner"),
            ("Low-salt diet education", "Care coordinator"),
        ],
    },
    "heart_failure": {
        "label": "Heart failure",
        "problems": ["Heart failure"],
        "expected_outcome": "Fewer exacerbations and hospital stays.",
        "goals": [
            ("Daily weight log", "7 of 7 days", 30),
            ("No heart-failure admissions", "0 admissions", 180),
        ],
        "symptom_management": "Call if weight rises 2 lb in a day or 5 lb in a week, or breathing worsens.",
        "interventions": [
            ("Review weights and symptoms", "Care coordinator"),
            ("Titrate diuretics and GDMT", "Billing practitioner"),
            ("Cardiology follow-up", "Care coordinator"),
        ],
    },
    "copd": {
        "label": "COPD",
        "problems": ["Chronic obstructive pulmonary disease"],
        "expected_outcome": "Fewer flare-ups, better breathing in daily activities.",
        "goals": [
            ("Correct inhaler technique", "Teach-back passed", 30),
            ("No COPD exacerbations", "0 courses of steroids", 180),
        ],
        "symptom_management": "Use the action plan: rescue inhaler, then call for worsening breathlessness.",
        "interventions": [
            ("Inhaler technique review", "Care coordinator"),
            ("Adjust maintenance inhalers", "Billing practitioner"),
            ("Pulmonary rehabilitation referral", "Care coordinator"),
        ],
    },
    "ckd": {
        "label": "CKD",
        "problems": ["Chronic kidney disease"],
        "expected_outcome": "Slower loss of kidney function.",
        "goals": [
            ("eGFR and urine albumin checked", "Labs done", 90),
            ("Blood pressure at goal", "< 130/80 mmHg", 90),
        ],
        "symptom_management": "Report swelling, less urine or new fatigue.",
        "interventions": [
            ("Track labs and remind patient", "Care coordinator"),
            ("Review nephrotoxic medicines", "Billing practitioner"),
            ("Nephrology referral when eGFR < 30", "Billing practitioner"),
        ],
    },
    "depression": {
        "label": "Depression",
        "problems": ["Major depressive disorder"],
        "expected_outcome": "Remission of depressive symptoms.",
        "goals": [
            ("PHQ-9 improved", "PHQ-9 < 10", 90),
            ("Weekly activity plan kept", "3 activities a week", 30),
        ],
        "symptom_management": "Crisis line 988; call at once with thoughts of self-harm.",
        "interventions": [
            ("PHQ-9 each month", "Care coordinator"),
            ("Adjust antidepressant", "Billing practitioner"),
            ("Behavioral health referral", "Care coordinator"),
        ],
    },
}

#: Condition groups (ccm.codes) that pick a template; the first match wins.
TEMPLATE_FOR_GROUP = {
    "diabetes": "diabetes",
    "heart_failure": "heart_failure",
    "chronic_obstructive_pulmonary_disease_and_bronchiectasis": "copd",
    "chronic_kidney_disease": "ckd",
    "depression": "depression",
    "hypertension": "hypertension",
}


def template_choices() -> list[tuple[str, str]]:
    return [(key, t["label"]) for key, t in TEMPLATES.items()]


def from_template(key: str, today: dt.date) -> dict[str, Any]:
    """A plan prefilled from a template: goals due a number of days from today."""
    t = TEMPLATES[key]
    content: dict[str, Any] = dict(_COMMON)
    content.update(
        problems=list(t["problems"]),
        expected_outcome=t["expected_outcome"],
        symptom_management=t["symptom_management"],
        goals=[
            {"goal": g, "target": target, "due": (today + dt.timedelta(days=days)).isoformat()}
            for g, target, days in t["goals"]
        ],
        interventions=[{"intervention": i, "responsible": who} for i, who in t["interventions"]],
    )
    return content


# --- the form's text: one item a line, parts separated by "|" ----------------------------


def to_form(content: dict[str, Any]) -> dict[str, str]:
    """Content as the edit form's text fields."""
    form = {k: content.get(k, "") for k, _ in TEXT_ELEMENTS}
    form["problems"] = "\n".join(content.get("problems", []))
    form["goals"] = "\n".join(
        f"{g['goal']} | {g['target']} | {g['due']}" for g in content.get("goals", [])
    )
    form["interventions"] = "\n".join(
        f"{i['intervention']} | {i['responsible']}" for i in content.get("interventions", [])
    )
    return form


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def from_form(data: Any) -> tuple[dict[str, Any], list[str]]:
    """Parse the form back into content; errors say which line is wrong, never echo patient data."""
    errors: list[str] = []
    content: dict[str, Any] = {k: data.get(k, "").strip() for k, _ in TEXT_ELEMENTS}
    content["problems"] = _lines(data.get("problems", ""))
    goals = []
    for n, line in enumerate(_lines(data.get("goals", "")), 1):
        parts = [p.strip() for p in line.split("|")]
        try:
            if len(parts) != 3 or not all(parts):
                raise ValueError
            due = dt.date.fromisoformat(parts[2])
        except ValueError:
            errors.append(f"Goal {n}: write it as goal | target | due date (YYYY-MM-DD).")
            continue
        goals.append({"goal": parts[0], "target": parts[1], "due": due.isoformat()})
    content["goals"] = goals
    interventions = []
    for n, line in enumerate(_lines(data.get("interventions", "")), 1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 2 or not all(parts):
            errors.append(f"Intervention {n}: write it as intervention | who is responsible.")
            continue
        interventions.append({"intervention": parts[0], "responsible": parts[1]})
    content["interventions"] = interventions
    if not content["problems"]:
        errors.append("The problem list needs at least one problem.")
    if not goals and not any(e.startswith("Goal") for e in errors):
        errors.append("A care plan needs at least one measurable goal (cms-rules §5).")
    return content, errors
