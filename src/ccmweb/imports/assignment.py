"""Imported patients get a coordinator by the practice's rule (Practice.coordinator_assignment):
left for the admins' queue (the assign page's "unassigned"), the coordinator of the billing
practitioner who saw them last, or in turn among the practice's coordinators. Only patients
without a coordinator are touched: an assignment made by hand is never undone by an import.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Q

from ccmweb.patients.models import Encounter, Patient
from ccmweb.sql import IdList
from ccmweb.tenants.models import Membership, Practice, Role

Rule = Practice.CoordinatorAssignment


def practice_coordinators(practice: Practice) -> list[Any]:
    """Active coordinators of the practice's organisation whose membership covers it, by name."""
    ids = (
        Membership.objects.filter(
            organization_id=practice.organization_id,
            role=Role.COORDINATOR,
            deactivated_at__isnull=True,
        )
        .filter(Q(practices__isnull=True) | Q(practices=practice))
        .values_list("user_id", flat=True)
    )
    return list(
        get_user_model().objects.filter(pk__in=list(ids), is_active=True).order_by("username")
    )


def assign_coordinators(practice: Practice, patient_ids: set[int]) -> int:
    """Give the unassigned of PATIENT_IDS a coordinator by the practice's rule; how many got one."""
    if practice.coordinator_assignment == Rule.UNASSIGNED or not patient_ids:
        return 0
    waiting = list(
        Patient.objects.filter(
            pk__in=IdList(patient_ids), practice=practice, coordinator__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    chosen: dict[int, int] = {}
    if practice.coordinator_assignment == Rule.BILLING_PRACTITIONER:
        allowed = {u.pk for u in practice_coordinators(practice)}
        latest = (
            Encounter.objects.filter(
                patient_id__in=IdList(waiting),
                practitioner__isnull=False,
                practitioner__coordinator__isnull=False,
            )
            .values("patient_id")
            .annotate(last=Max("date"))
        )
        last = {row["patient_id"]: row["last"] for row in latest}
        for pid, coordinator in (
            Encounter.objects.filter(
                patient_id__in=IdList(last), practitioner__coordinator__isnull=False
            )
            .values_list("patient_id", "practitioner__coordinator_id")
            .order_by("patient_id", "date", "pk")
        ):
            if coordinator in allowed:
                chosen[pid] = coordinator  # ordered by date: the last visit's wins
        for pid in list(chosen):
            if pid not in last:
                del chosen[pid]
    else:  # round robin, continuing from how many of the practice's patients are assigned
        coordinators = practice_coordinators(practice)
        if not coordinators:
            return 0
        start = Patient.objects.filter(practice=practice, coordinator__isnull=False).count()
        for n, pid in enumerate(waiting):
            chosen[pid] = coordinators[(start + n) % len(coordinators)].pk
    groups: dict[int, list[int]] = defaultdict(list)
    for pid, coordinator in chosen.items():
        groups[coordinator].append(pid)
    for coordinator, pids in groups.items():
        Patient.objects.filter(pk__in=IdList(pids), coordinator__isnull=True).update(
            coordinator_id=coordinator
        )
    return len(chosen)
