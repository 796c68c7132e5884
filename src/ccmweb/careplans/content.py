"""What a care plan version stores, the condition templates that prefill it, and the editor's form.

Content (JSON on each version; the list of elements is ccm.rules.care_plan's):

    {"schema": 2,
     "problems": [{"code": "E11.9", "display": "Type 2 diabetes",
                   "goals": [{"id", "goal", "target", "due", "status"}],
                   "interventions": [{"intervention", "owner", "due"}],
                   "barriers": "..."}],
     "priorities": "what matters most to the patient, in their words",
     "elements": {"expected_outcome": "...", ...}}   # ccm.rules.care_plan.TEXT_ELEMENTS

A problem is one of the patient's conditions (chosen from the problem list, never typed); a
goal keeps its id across versions so progress recorded during calls follows it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ccm.codes import classify_icd10, classify_snomed, group_name
from ccm.rules.care_plan import GOAL_STATUSES, TEXT_ELEMENTS

STATUS_VALUES = [value for value, _ in GOAL_STATUSES]
STATUS_LABELS = dict(GOAL_STATUSES)
MAX_PROBLEMS = 30
MAX_ROWS = 40
MAX_TEXT = 4000

_COMMON = {
    "prognosis": "Stable with continued management.",
    "medication_management": "Reconcile medications monthly; review adherence and side effects.",
    "community_services": "Screen for transportation, food and caregiver needs; refer as needed.",
    "coordination": "Share this plan with specialists and after any ED visit or hospital stay.",
    "review_schedule": "Review monthly at the care-management call; revise at least yearly.",
}

#: Per condition: goals (goal, target, days until due) and interventions (what, owner, days).
TEMPLATES: dict[str, dict[str, Any]] = {
    "diabetes": {
        "label": "Diabetes",
        "expected_outcome": "Blood sugar in target range without hypoglycaemia.",
        "goals": [
            ("HbA1c below target", "HbA1c < 7.5%", 90),
            ("Daily foot checks", "7 of 7 days", 30),
        ],
        "symptom_management": "Know the signs of low and high blood sugar and what to do.",
        "interventions": [
            ("Review glucose log", "Care coordinator", 30),
            ("Adjust diabetes medicines", "Billing practitioner", 90),
            ("Annual eye and foot exam referral", "Care coordinator", 60),
        ],
    },
    "hypertension": {
        "label": "Hypertension",
        "expected_outcome": "Blood pressure controlled, lower risk of stroke and heart attack.",
        "goals": [
            ("Blood pressure at goal", "< 130/80 mmHg", 90),
            ("Home blood pressure readings", "5 readings a week", 30),
        ],
        "symptom_management": "Report headaches, dizziness or readings above 180/110 at once.",
        "interventions": [
            ("Review home readings", "Care coordinator", 30),
            ("Adjust blood-pressure medicines", "Billing practitioner", 90),
            ("Low-salt diet education", "Care coordinator", 30),
        ],
    },
    "heart_failure": {
        "label": "Heart failure",
        "expected_outcome": "Fewer exacerbations and hospital stays.",
        "goals": [
            ("Daily weight log", "7 of 7 days", 30),
            ("No heart-failure admissions", "0 admissions", 180),
        ],
        "symptom_management": "Call if weight rises 2 lb in a day or 5 lb in a week, or breathing worsens.",
        "interventions": [
            ("Review weights and symptoms", "Care coordinator", 30),
            ("Titrate diuretics and GDMT", "Billing practitioner", 60),
            ("Cardiology follow-up", "Care coordinator", 90),
        ],
    },
    "copd": {
        "label": "COPD",
        "expected_outcome": "Fewer flare-ups, better breathing in daily activities.",
        "goals": [
            ("Correct inhaler technique", "Teach-back passed", 30),
            ("No COPD exacerbations", "0 courses of steroids", 180),
        ],
        "symptom_management": "Use the action plan: rescue inhaler, then call for worsening breathlessness.",
        "interventions": [
            ("Inhaler technique review", "Care coordinator", 30),
            ("Adjust maintenance inhalers", "Billing practitioner", 90),
            ("Pulmonary rehabilitation referral", "Care coordinator", 60),
        ],
    },
    "ckd": {
        "label": "CKD",
        "expected_outcome": "Slower loss of kidney function.",
        "goals": [
            ("eGFR and urine albumin checked", "Labs done", 90),
            ("Blood pressure at goal", "< 130/80 mmHg", 90),
        ],
        "symptom_management": "Report swelling, less urine or new fatigue.",
        "interventions": [
            ("Track labs and remind patient", "Care coordinator", 90),
            ("Review nephrotoxic medicines", "Billing practitioner", 60),
            ("Nephrology referral when eGFR < 30", "Billing practitioner", 90),
        ],
    },
    "depression": {
        "label": "Depression",
        "expected_outcome": "Remission of depressive symptoms.",
        "goals": [
            ("PHQ-9 improved", "PHQ-9 < 10", 90),
            ("Weekly activity plan kept", "3 activities a week", 30),
        ],
        "symptom_management": "Crisis line 988; call at once with thoughts of self-harm.",
        "interventions": [
            ("PHQ-9 each month", "Care coordinator", 30),
            ("Adjust antidepressant", "Billing practitioner", 60),
            ("Behavioral health referral", "Care coordinator", 30),
        ],
    },
}

#: Condition groups (ccm.codes) that pick a template.
TEMPLATE_FOR_GROUP = {
    "diabetes": "diabetes",
    "heart_failure": "heart_failure",
    "chronic_obstructive_pulmonary_disease_and_bronchiectasis": "copd",
    "chronic_kidney_disease": "ckd",
    "depression": "depression",
    "hypertension": "hypertension",
}

OWNERS = ["Care coordinator", "Billing practitioner", "Patient", "Caregiver", "Pharmacist"]


def new_goal_id() -> str:
    return uuid.uuid4().hex[:12]


def condition_groups_of(code: str) -> frozenset[str]:
    """CCW groups of an ICD-10-CM or SNOMED code (empty for an acute or unknown code)."""
    match = classify_icd10(code) if code[:1].isalpha() else classify_snomed(code)
    if match is None or not getattr(match, "chronic", True):
        return frozenset()
    return frozenset(match.groups)


def template_for(code: str) -> str | None:
    groups = condition_groups_of(code)
    return next((t for g, t in TEMPLATE_FOR_GROUP.items() if g in groups), None)


def problem_label(code: str, display: str) -> str:
    """The condition's own words, else its group's name, else its code."""
    if display:
        return display
    groups = sorted(condition_groups_of(code))
    return group_name(groups[0]) if groups else code


def problem_from_condition(code: str, display: str, today: dt.date) -> dict[str, Any]:
    """A problem for one condition, prefilled from the condition's template when it has one."""
    t = TEMPLATES.get(template_for(code) or "", {})
    return {
        "code": code,
        "display": problem_label(code, display),
        "goals": [
            {
                "id": new_goal_id(),
                "goal": g,
                "target": target,
                "due": (today + dt.timedelta(days=days)).isoformat(),
                "status": "not_started",
            }
            for g, target, days in t.get("goals", [])
        ],
        "interventions": [
            {"intervention": i, "owner": who, "due": (today + dt.timedelta(days=d)).isoformat()}
            for i, who, d in t.get("interventions", [])
        ],
        "barriers": "",
    }


def combine(
    content: Mapping[str, Any] | None, conditions: Iterable[tuple[str, str]], today: dt.date
) -> dict[str, Any]:
    """CONTENT with a problem for each new (code, display), its template's goals, interventions
    and texts added beside what is there: templates combine, they never replace."""
    result = normalize(content or {})
    elements = result["elements"]
    if not content:
        elements.update(_COMMON)
    have = {p["code"] for p in result["problems"]}
    for code, display in conditions:
        if code in have or len(result["problems"]) >= MAX_PROBLEMS:
            continue
        have.add(code)
        result["problems"].append(problem_from_condition(code, display, today))
        t = TEMPLATES.get(template_for(code) or "")
        if t is None:
            continue
        for key in ("expected_outcome", "symptom_management"):
            line = f"{t['label']}: {t[key]}"
            if line not in elements.get(key, ""):
                elements[key] = "\n".join(x for x in (elements.get(key, ""), line) if x)
    return result


def normalize(content: Mapping[str, Any]) -> dict[str, Any]:
    """CONTENT in the current shape with every key present (what pages and the diff read)."""
    elements = content.get("elements") or {}
    problems = []
    for p in content.get("problems") or []:
        if not isinstance(p, Mapping):
            continue
        problems.append(
            {
                "code": str(p.get("code", "")),
                "display": str(p.get("display", "")),
                "goals": [
                    {
                        "id": str(g.get("id") or ""),
                        "goal": str(g.get("goal", "")),
                        "target": str(g.get("target", "")),
                        "due": str(g.get("due", "")),
                        "status": g.get("status")
                        if g.get("status") in STATUS_VALUES
                        else "not_started",
                    }
                    for g in p.get("goals") or []
                    if isinstance(g, Mapping)
                ],
                "interventions": [
                    {
                        "intervention": str(i.get("intervention", "")),
                        "owner": str(i.get("owner", "")),
                        "due": str(i.get("due", "")),
                    }
                    for i in p.get("interventions") or []
                    if isinstance(i, Mapping)
                ],
                "barriers": str(p.get("barriers", "")),
            }
        )
    return {
        "schema": 2,
        "problems": problems,
        "priorities": str(content.get("priorities", "")),
        "elements": {e.key: str(elements.get(e.key, "")) for e in TEXT_ELEMENTS},
    }


def for_display(
    content: Mapping[str, Any], progress: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """CONTENT normalized for a page: goals carry their status label and latest progress
    (from PROGRESS by goal id), the text elements come as (element, text) pairs in order."""
    from ccm.rules.care_plan import ELEMENTS

    shown = normalize(content)
    for p in shown["problems"]:
        for g in p["goals"]:
            g["progress"] = (progress or {}).get(g["id"])
            status = g["progress"].status if g["progress"] is not None else g["status"]
            g["current_status"] = status
            g["status_label"] = STATUS_LABELS.get(status, status)
    shown["texts"] = [(e, shown["elements"][e.key]) for e in ELEMENTS if not e.per_problem]
    return shown


def all_goals(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [g for p in normalize(content)["problems"] for g in p["goals"]]


# --- the editor's form -----------------------------------------------------------------------
# Fields: p-N-code, p-N-display, p-N-remove, p-N-barriers, p-N-g-M-{id,goal,target,due,status},
# p-N-i-M-{intervention,owner,due}, priorities, el-KEY. Blank goal or intervention rows are skipped.

_FIELD = re.compile(r"^p-(\d{1,2})-(?:(g|i)-(\d{1,2})-)?([a-z]+)$")


def _clean(value: Any) -> str:
    return str(value or "").strip()[:MAX_TEXT]


def _date(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def from_form(data: Any, allowed: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The posted editor as content, and what is wrong in words naming problem, row and field.

    ALLOWED maps the patient's condition codes to their display: a problem must be one of them.
    What was typed is kept in the content even when wrong, so the form shows it again.
    """
    rows: dict[int, dict[str, Any]] = {}
    for key in data:
        m = _FIELD.match(key)
        if not m:
            continue
        n, kind, row, field = int(m[1]), m[2], m[3], m[4]
        p = rows.setdefault(n, {"goals": {}, "interventions": {}})
        if kind is None:
            p[field] = _clean(data.get(key))
        else:
            bucket = p["goals" if kind == "g" else "interventions"]
            bucket.setdefault(int(row), {})[field] = _clean(data.get(key))
    errors: list[str] = []
    problems: list[dict[str, Any]] = []
    for n in sorted(rows)[:MAX_PROBLEMS]:
        p = rows[n]
        if p.get("remove"):
            continue
        code = p.get("code", "")
        name = allowed.get(code) or p.get("display") or f"Problem {len(problems) + 1}"
        if code not in allowed:
            errors.append(f"{name}: choose the problem from the patient's problem list.")
        goals: list[dict[str, Any]] = []
        for m_ in sorted(p["goals"])[:MAX_ROWS]:
            g = p["goals"][m_]
            if not any(g.get(f) for f in ("goal", "target", "due")):
                continue
            due = _date(g.get("due", ""))
            goal = {
                "id": g.get("id") or new_goal_id(),
                "goal": g.get("goal", ""),
                "target": g.get("target", ""),
                "due": due or g.get("due", ""),
                "status": g.get("status") if g.get("status") in STATUS_VALUES else "not_started",
            }
            position = len(goals) + 1
            if not goal["goal"]:
                errors.append(f"{name}, goal {position}: say what the goal is.")
            if not goal["target"]:
                errors.append(f"{name}, goal {position}: a measurable target is needed.")
            if due is None:
                errors.append(f"{name}, goal {position}: the due date must be a date (YYYY-MM-DD).")
            goals.append(goal)
        interventions: list[dict[str, Any]] = []
        for m_ in sorted(p["interventions"])[:MAX_ROWS]:
            i = p["interventions"][m_]
            if not any(i.get(f) for f in ("intervention", "owner", "due")):
                continue
            position = len(interventions) + 1
            due = _date(i.get("due", "")) if i.get("due") else ""
            if due is None:
                errors.append(f"{name}, intervention {position}: the due date must be a date.")
            if not i.get("intervention"):
                errors.append(f"{name}, intervention {position}: say what will be done.")
            if not i.get("owner"):
                errors.append(f"{name}, intervention {position}: say who is responsible.")
            interventions.append(
                {
                    "intervention": i.get("intervention", ""),
                    "owner": i.get("owner", ""),
                    "due": due if due is not None else i.get("due", ""),
                }
            )
        if not goals:
            errors.append(f"{name}: add at least one measurable goal (cms-rules §5).")
        problems.append(
            {
                "code": code,
                "display": allowed.get(code, p.get("display", "")),
                "goals": goals,
                "interventions": interventions,
                "barriers": p.get("barriers", ""),
            }
        )
    if not problems:
        errors.append("The plan needs at least one problem from the problem list.")
    content = {
        "schema": 2,
        "problems": problems,
        "priorities": _clean(data.get("priorities")),
        "elements": {e.key: _clean(data.get(f"el-{e.key}")) for e in TEXT_ELEMENTS},
    }
    return content, errors


def editor_rows(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Problems for the editor, each with one blank goal row and one blank intervention row."""
    rows = []
    for p in normalize(content)["problems"]:
        blank_goal = {"id": "", "goal": "", "target": "", "due": "", "status": "not_started"}
        blank_int = {"intervention": "", "owner": "", "due": ""}
        rows.append(
            {
                **p,
                "goals": [*p["goals"], blank_goal],
                "interventions": [*p["interventions"], blank_int],
            }
        )
    return rows


# --- what changed between two versions ------------------------------------------------------


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What changed from OLD to NEW, one sentence a change, in plan order."""
    from ccm.rules.care_plan import ELEMENTS

    a, b = normalize(old), normalize(new)
    changes: list[str] = []
    before = {p["code"]: p for p in a["problems"]}
    after = {p["code"]: p for p in b["problems"]}
    for code, p in after.items():
        if code not in before:
            changes.append(f"Problem added: {p['display']}.")
    for code, p in before.items():
        if code not in after:
            changes.append(f"Problem removed: {p['display']}.")
    for code, p in after.items():
        q = before.get(code)
        if q is None:
            continue
        old_goals = {g["id"] or g["goal"]: g for g in q["goals"]}
        new_goals = {g["id"] or g["goal"]: g for g in p["goals"]}
        for key, g in new_goals.items():
            was = old_goals.get(key)
            if was is None:
                changes.append(
                    f"{p['display']}: goal added: {g['goal']} ({g['target']}, due {g['due']})."
                )
                continue
            for field, label in (("goal", "goal"), ("target", "target"), ("due", "due date")):
                if was[field] != g[field]:
                    changes.append(
                        f"{p['display']}: {g['goal']}: {label} {was[field]} → {g[field]}."
                    )
            if was["status"] != g["status"]:
                changes.append(
                    f"{p['display']}: {g['goal']}: status {STATUS_LABELS[was['status']]} → "
                    f"{STATUS_LABELS[g['status']]}."
                )
        for key, g in old_goals.items():
            if key not in new_goals:
                changes.append(f"{p['display']}: goal removed: {g['goal']}.")
        old_i = {i["intervention"]: i for i in q["interventions"]}
        new_i = {i["intervention"]: i for i in p["interventions"]}
        for key, i in new_i.items():
            was_i = old_i.get(key)
            if was_i is None:
                changes.append(f"{p['display']}: intervention added: {key} ({i['owner']}).")
            elif (was_i["owner"], was_i["due"]) != (i["owner"], i["due"]):
                changes.append(
                    f"{p['display']}: {key}: {was_i['owner']} {was_i['due']} → {i['owner']} {i['due']}."
                )
        for key in old_i:
            if key not in new_i:
                changes.append(f"{p['display']}: intervention removed: {key}.")
        if q["barriers"] != p["barriers"]:
            changes.append(f"{p['display']}: barriers changed.")
    if a["priorities"] != b["priorities"]:
        changes.append("The patient's priorities changed.")
    for element in ELEMENTS:
        if not element.per_problem and a["elements"][element.key] != b["elements"][element.key]:
            changes.append(f"{element.label} changed.")
    return changes
