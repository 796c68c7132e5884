"""What tests/web/test_isolation.py needs to call every URL: kwargs per URL name, public views.

The isolation test walks the whole URL tree and fails for any URL it cannot call, so a new
URL cannot slip by untested. When you add a URL:

- with parameters (`<uuid:uid>` …): register a function `(cast, tenant) -> kwargs` that returns
  ids of one of TENANT's objects, creating the object if the cast lacks it, e.g.

      register("careplans:detail", lambda cast, t: {"uid": make_care_plan(t.patient).uid})

  Return objects of `tenant.north` (the practice of `tenant.patient`): the test also proves a
  user limited to `tenant.south` gets 404. Pass `practice_bound=False` for an object that
  belongs to the whole organisation rather than one practice.
- decorate its view with `@requires("capability")`; only views in PUBLIC (anyone) or
  LOGIN_ONLY (any logged-in user, no role needed) may go without.
- URLs under /api/ answer anonymous callers 401/403 instead of redirecting to the login page.

Factories run with scopes disabled, so they may create rows with the plain managers.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccmweb.testing.cast import Cast, Tenant

KwargsFactory = Callable[[Cast, Tenant], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    kwargs: KwargsFactory
    practice_bound: bool = True


# Anyone may call these, logged in or not.
PUBLIC: frozenset[str] = frozenset(
    {
        "login",
        "login_code",
        "logout",
        "healthz",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "accept_invitation",
        "invitation_link",
    }
)
# Any logged-in user, whatever their role (or no membership at all).
LOGIN_ONLY: frozenset[str] = frozenset({"home", "switch", "password_change", "two_factor"})

REGISTRY: dict[str, Entry] = {}


def register(url_name: str, kwargs: KwargsFactory, *, practice_bound: bool = True) -> None:
    """Say how to fill URL_NAME's parameters (namespaced, e.g. "patients:detail")."""
    if url_name in REGISTRY:
        raise ValueError(f"{url_name} is registered twice")
    REGISTRY[url_name] = Entry(kwargs, practice_bound)


# --- patients ---------------------------------------------------------------------------------
register("patients:detail", lambda cast, t: {"uid": t.patient.uid})


# --- timelog ----------------------------------------------------------------------------------
def _time_entry(cast: Cast, t: Tenant) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from ccmweb.timelog.models import TimeEntry

    start = timezone.now() - dt.timedelta(hours=3)
    entry = TimeEntry.objects.create(
        organization=t.org,
        patient=t.patient,
        user=t.coordinator,
        performer="clinical_staff",
        activity="patient_call",
        started_at=start,
        ended_at=start + dt.timedelta(minutes=5),
        minutes=5,
    )
    return {"uid": entry.uid}


for _name in ("timelog:add_time", "timelog:timer", "timelog:outreach", "timelog:mdm"):
    register(_name, lambda cast, t: {"uid": t.patient.uid})
register("timelog:amend", _time_entry)

# --- enrollment and care plans ----------------------------------------------------------------
from ccmweb.careplans import testdata as _plans  # noqa: E402

register("enrollment:consent", lambda cast, t: {"uid": t.patient.uid})
register("enrollment:revoke", lambda cast, t: {"uid": _plans.enrolled(t).uid})
register("enrollment:initiating_visit", lambda cast, t: {"uid": t.patient.uid})
register("enrollment:consent_document", lambda cast, t: {"uid": _plans.consent_with_scan(t).uid})
register("careplans:new", lambda cast, t: {"uid": t.patient.uid})
register("careplans:detail", lambda cast, t: {"uid": _plans.care_plan(t).uid})
register("careplans:revise", lambda cast, t: {"uid": _plans.care_plan(t).uid})
register("careplans:progress", lambda cast, t: {"uid": _plans.care_plan(t).uid})
register("careplans:sign", lambda cast, t: {"uid": _plans.unsigned_version(t).uid})
register("careplans:patient_copy", lambda cast, t: {"uid": _plans.signed_version(t).uid})
register("careplans:copy_given", lambda cast, t: {"uid": _plans.signed_version(t).uid})


# --- assessments and tasks --------------------------------------------------------------------
def _task(cast: Cast, t: Tenant) -> dict[str, Any]:
    import datetime as dt

    from ccmweb.care_tasks.models import CareTask

    task = CareTask.objects.create(
        organization=t.org, practice=t.north, patient=t.patient, title="Call back",
        due=dt.date(2026, 3, 2), assignee=t.coordinator,
    )  # fmt: skip
    return {"uid": task.uid}


register("assessments:history", lambda cast, t: {"uid": t.patient.uid})
register("assessments:take", lambda cast, t: {"uid": t.patient.uid, "key": "phq9"})
register("care_tasks:add", lambda cast, t: {"uid": t.patient.uid})
register("medications:reconcile", lambda cast, t: {"uid": t.patient.uid})
register("care_tasks:complete", _task)
register(
    "care_tasks:return_signoff",
    lambda cast, t: {"claim_uid": _closed_month(cast, t).claims.get().uid},
)


# --- imports ----------------------------------------------------------------------------------
def _import_run(cast: Cast, t: Tenant) -> dict[str, Any]:
    from ccmweb.imports.models import ImportRun

    run = ImportRun.objects.create(organization=t.org, practice=t.north, status="done")
    return {"uid": run.uid}


register("imports:run", _import_run)
register("imports:progress", _import_run)
register("imports:resume", _import_run)
register("imports:problems_csv", _import_run)


# --- billing ----------------------------------------------------------------------------------
def _closed_month(cast: Cast, t: Tenant) -> Any:
    import datetime as dt

    from ccmweb.billing import testdata
    from ccmweb.billing.models import PatientMonth
    from ccmweb.billing.services import close_month

    found = PatientMonth.objects.filter(patient=t.patient).first()
    if found is None:
        testdata.billable_month(t)
        close_month(t.north, testdata.MONTH, now=dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
        found = PatientMonth.objects.get(patient=t.patient)
    assert found.status == "billable", (found.status, found.reason, found.findings)
    return found


register("billing:ledger", lambda cast, t: {"uid": _closed_month(cast, t).claims.get().uid})


def _export(cast: Cast, t: Tenant) -> dict[str, Any]:
    import datetime as dt

    from ccmweb.billing import testdata
    from ccmweb.billing.export import export_claims
    from ccmweb.billing.models import ClaimExport

    _closed_month(cast, t)
    found = ClaimExport.objects.filter(practice=t.north).first()
    if found is None:
        now = dt.datetime(2026, 4, 3, tzinfo=dt.UTC)
        found = export_claims(t.north, testdata.MONTH, "837p", now=now).record
        assert found is not None, "the closed month of the test data has claims to send"
    return {"uid": found.uid}


register("billing:export_file", _export)


def _remittance(cast: Cast, t: Tenant) -> dict[str, Any]:
    from ccmweb.billing.models import Remittance

    found = Remittance.objects.filter(practice=t.north).first()
    if found is None:
        from django.utils import timezone

        found = Remittance.objects.create(
            organization=t.org, practice=t.north, digest="x", payer_key="MEDICARE",
            trace_number="T1", payment_amount=0, posted_at=timezone.now(),
        )  # fmt: skip
    return {"uid": found.uid}


register("billing:remittance_detail", _remittance)
register("billing:statement", lambda cast, t: {"uid": t.patient.uid})
register("billing:packet", lambda cast, t: {"uid": _closed_month(cast, t).uid})
register("billing:packet_json", lambda cast, t: {"uid": _closed_month(cast, t).uid})
register("billing:packet_pdf", lambda cast, t: {"uid": _closed_month(cast, t).uid})


# --- administration ---------------------------------------------------------------------------
register("tenants:practice_edit", lambda cast, t: {"uid": t.north.uid})
register("tenants:practice_archive", lambda cast, t: {"uid": t.north.uid})
register("tenants:onboarding", lambda cast, t: {"uid": t.north.uid})
register("tenants:billing_settings", lambda cast, t: {"uid": t.north.uid})
register("tenants:practitioner_new", lambda cast, t: {"uid": t.north.uid})
register("tenants:revenue_code", lambda cast, t: {"uid": t.north.uid})
register("tenants:practitioner_edit", lambda cast, t: {"uid": t.practitioner.uid})


def _membership(cast: Cast, t: Tenant) -> dict[str, Any]:
    from ccmweb.tenants.models import Membership

    return {"uid": Membership.objects.get(user=t.coordinator).uid}


def _invitation(cast: Cast, t: Tenant) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from ccmweb.accounts.models import Invitation

    invitation = Invitation.objects.create(
        organization=t.org,
        email="new@example.org",
        role="coordinator",
        token_digest="0" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return {"uid": invitation.uid}


# Staff are the organisation's, not one practice's.
for _name in ("accounts:member", "accounts:deactivate", "accounts:reset_two_factor"):
    register(_name, _membership, practice_bound=False)
register("accounts:revoke_invitation", _invitation, practice_bound=False)


# --- patient care team ------------------------------------------------------------------------
def _care_team_member(cast: Cast, t: Tenant) -> dict[str, Any]:
    from ccmweb.patients.models import CareTeamMember

    member = CareTeamMember.objects.create(
        organization=t.org,
        patient=t.patient,
        role="pharmacy",
        name="Corner Pharmacy",
        phone="555-0100",
        added_by=t.coordinator,
    )
    return {"uid": member.uid}


register("patients:care_team_add", lambda cast, t: {"uid": t.patient.uid})
register("patients:care_team_remove", _care_team_member)
