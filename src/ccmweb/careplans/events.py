"""Care-plan history for the patient timeline: versions written and signed, copies given, and
goal progress recorded during calls (see ccmweb.events)."""

from typing import Any

from django.urls import reverse

from ccmweb.events import Event, who

from . import content as plan_content
from .models import CarePlanCopyGiven, GoalProgress
from .services import versions_of


def patient_events(patient: Any) -> list[Event]:
    """Versions written and signed, copies given and goal progress, each linking to its plan;
    the copies and the progress are read only when the patient has a plan, and name their
    plan through the versions already read."""
    events: list[Event] = []
    versions = sorted(versions_of(patient), key=lambda v: v.number)  # a goal's latest name wins
    if not versions:
        return events
    urls = {
        v.care_plan_id: reverse("careplans:detail", kwargs={"uid": v.care_plan.uid})
        for v in versions
    }
    plan_of = {v.pk: v.care_plan_id for v in versions}
    goal_names: dict[str, str] = {}
    for v in versions:
        url = urls[v.care_plan_id]
        events.append(
            Event(
                v.created_at,
                "care_plan",
                f"Care plan version {v.number} written",
                who(v.created_by),
                url,
            )
        )
        if v.signed_at:
            events.append(
                Event(
                    v.signed_at,
                    "care_plan",
                    f"Care plan version {v.number} signed",
                    str(v.signed_by),
                    url,
                )
            )
        goal_names.update({g["id"]: g["goal"] for g in plan_content.all_goals(v.content)})
    for c in CarePlanCopyGiven.objects.filter(version_id__in=list(plan_of)).select_related(
        "given_by"
    ):
        title = f"Care plan copy given ({c.get_method_display().lower()})"
        events.append(
            Event(c.given_at, "care_plan", title, who(c.given_by), urls[plan_of[c.version_id]])
        )
    for p in GoalProgress.objects.filter(care_plan_id__in=list(urls)).select_related("recorded_by"):
        goal = goal_names.get(p.goal_id, "a goal")
        title = f"Goal progress: {goal}: {plan_content.STATUS_LABELS.get(p.status, p.status)}"
        events.append(
            Event(p.recorded_at, "goal_progress", title, who(p.recorded_by), urls[p.care_plan_id])
        )
    return events
