"""What `ccm demo` hands to each app's demo hook, and the contract those hooks keep.

After it has made the organisation, practice, staff and patients, `ccm demo` calls, in this
order, ``ccmweb.<app>.demo.seed(context)`` for app in ``DEMO_HOOK_APPS`` whose ``demo``
module exists.  A hook:

- is idempotent: a second `ccm demo` (or one with more patients) adds only what is missing
  and never duplicates or rewrites what an earlier run made (append-only records stay so);
- works on ``context.patients`` (every demo patient, not just the new ones) and may rely on
  what earlier hooks made (enrollment → care plans → their tasks → time entries → billing;
  the EMR's clinical data comes last, so its draws leave the earlier hooks' randomness as it
  was);
- reads the date only from ``context.today`` (the practice's local date) and randomness only
  from ``context.rng`` (seeded), so a demo is reproducible;
- runs inside ``django_scopes.scope(organization=context.organization)`` and one
  transaction per hook; it reports one line to ``context.stdout``;
- leaves a fresh demo able to close last month (`ccm month close --month <last month>`).

A second practice, `demo-fqhc` (a Federally Qualified Health Center, cms-rules §13), gets
its own context: ``history`` names the earlier months that also get time (the two months
across the G0511 transition) and ``consent_before`` dates its consents before the first of
them, so a reviewer can close a G0511 month and an individual-code month.

The plan for programs (``context.programs``, patient id → "ccm" | "pcm" | "apcm"): patients
of user ``coordinator`` are CCM patients (two or more chronic conditions); PCM (one
condition) and APCM patients belong to ``coordinator2``.  Only living patients with Part B
known are in the plan; everyone else stays unenrolled, as the eligibility rules would say.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from ccm.periods import BillingMonth
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Organization, Practice, Practitioner

DEMO_HOOK_APPS = ("enrollment", "careplans", "care_tasks", "timelog", "billing", "imports")
DEMO_USERNAMES = ("coordinator", "coordinator2", "practitioner", "biller", "admin", "auditor")


@dataclass
class DemoContext:
    """The demo tenant and its people, for the apps' ``demo.seed(context)`` hooks."""

    organization: Organization
    practice: Practice
    practitioners: list[Practitioner]  # [0] is the `practitioner` user's own row
    users: dict[str, Any]  # by username: coordinator, coordinator2, practitioner, …
    patients: QuerySet[Patient]  # every demo patient of the practice
    today: dt.date  # the practice's local date: the one place the demo reads the clock
    rng: random.Random
    stdout: Any  # the command's OutputWrapper: context.stdout.write("…")
    programs: dict[int, str] = field(default_factory=dict)  # patient id → ccm | pcm | apcm
    history: tuple[BillingMonth, ...] = ()  # earlier months that get time too (FQHC demo)
    consent_before: dt.date | None = None  # consents dated before this day (else: last year)


def coordinator_for(condition_count: int, index: int) -> str:
    """Who looks after a demo patient: `coordinator` has the CCM panel, `coordinator2` the rest.

    One in ten multi-condition patients goes to coordinator2 as an APCM patient.
    """
    return "coordinator" if condition_count >= 2 and index % 10 != 9 else "coordinator2"


def plan_programs(patients: QuerySet[Patient], coordinator: Any) -> dict[int, str]:
    """The program each living Part B demo patient is meant for, from coordinator and conditions."""
    plan = {}
    rows = (
        patients.filter(deceased_date__isnull=True, part_b=True)
        .annotate(condition_count=Count("conditions"))
        .values_list("id", "coordinator_id", "condition_count")
    )
    for patient_id, coordinator_id, condition_count in rows:
        if coordinator_id == coordinator.id:
            plan[patient_id] = "ccm"
        elif condition_count >= 2:
            plan[patient_id] = "apcm"
        elif condition_count == 1:
            plan[patient_id] = "pcm"
    return plan
