"""Care-plan history for the patient timeline: versions written and signed, copies given, and
goal progress recorded during calls (see ccmweb.events)."""

from typing import Any

from django.urls import reverse

from ccmweb.events import Event, who

from . import content as plan_content
from .models import CarePlanCopyGiven, CarePlanVersion, GoalProgress


def patient_events(patient: Any) -> list[Event]:
    events: list[Event] = []
    versions = CarePlanVersion.objects.filter(care_plan__patient=patient).select_related(
        "care_plan", "created_by", "signed_by__user"
    )
    goal_names: dict[str, str] = {}
    for v in versions:
        url = reverse("careplans:detail", kwargs={"uid": v.care_plan.uid})
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
    for c in CarePlanCopyGiven.objects.filter(version__care_plan__patient=patient).select_related(
        "version__care_plan", "given_by"
    ):
        url = reverse("careplans:detail", kwargs={"uid": c.version.care_plan.uid})
        title = f"Care plan copy given ({c.get_method_display().lower()})"
        events.append(Event(c.given_at, "care_plan", title, who(c.given_by), url))
    for p in GoalProgress.objects.filter(care_plan__patient=patient).select_related(
        "care_plan", "recorded_by"
    ):
        url = reverse("careplans:detail", kwargs={"uid": p.care_plan.uid})
        goal = goal_names.get(p.goal_id, "a goal")
        title = f"Goal progress: {goal}: {plan_content.STATUS_LABELS.get(p.status, p.status)}"
        events.append(Event(p.recorded_at, "goal_progress", title, who(p.recorded_by), url))
    return events
