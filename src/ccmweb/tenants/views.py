"""Administration pages: the organisation, its practices and their billing practitioners.

Views stay thin: forms check, `log_access` records every change (who, what, from where),
and nothing changes on a GET.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ccmweb.accounts.audit import log_access

from .decorators import requires
from .forms import OrganizationForm, PracticeForm, PractitionerForm
from .http import MemberRequest
from .models import Membership, Organization, Practice, Practitioner, Role


def organisation_wide(request: MemberRequest) -> None:
    """Organisation settings and staff are for admins not limited to some practices."""
    if request.membership.practices.exists():
        raise PermissionDenied("Only organisation-wide administrators manage this.")


def admin_practices(request: MemberRequest) -> QuerySet[Practice]:
    """The practices an admin manages, archived ones included: their subset, else all."""
    limited = request.membership.practices.all()
    return limited if limited.exists() else Practice.objects.all()


def managed_practice(request: MemberRequest, uid: str) -> Practice:
    return get_object_or_404(admin_practices(request), uid=uid)


def members_of(practice: Practice, role: str) -> QuerySet[Any]:
    """Active users of ROLE who may work this practice (all practices, or it among theirs)."""
    members = Membership.objects.filter(
        organization=practice.organization, role=role, deactivated_at__isnull=True
    ).filter(Q(practices__isnull=True) | Q(practices=practice))
    users = get_user_model().objects.filter(pk__in=members.values("user_id"))
    return users.order_by("username")


@requires("practice.admin")
def organisation(request: MemberRequest) -> HttpResponse:
    """Name, branding, two-step requirement, password and session policy."""
    organisation_wide(request)
    org = request.organization
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=org)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_access(request, "update", org)
        messages.success(request, "The organisation's settings were saved.")
        return redirect("tenants:organisation")
    context = {
        "form": form,
        "org": org,
        "installation_idle": settings.IDLE_TIMEOUT_SECONDS // 60,
    }
    return render(request, "tenants/organisation.html", context)


@requires("patients.view")
def logo(request: MemberRequest) -> HttpResponse:
    """The organisation's logo (PNG or JPEG, checked when uploaded), for the top bar."""
    org = Organization.objects.only("logo", "logo_type").get(pk=request.organization.pk)
    if not org.logo_type:
        raise Http404("No logo.")
    response = HttpResponse(bytes(org.logo or b""), content_type=org.logo_type)
    response["Cache-Control"] = "private, max-age=300"
    return response


@requires("patients.view")
@require_safe
def brand_css(request: MemberRequest) -> HttpResponse:
    """The organisation's colour as a style sheet (the CSP forbids inline styles)."""
    color = request.organization.brand_color
    body = f":root {{ --accent: {color}; }}\n" if color else ""
    response = HttpResponse(body, content_type="text/css")
    response["Cache-Control"] = "private, max-age=300"
    return response


@requires("practice.admin")
@require_safe
def practices(request: MemberRequest) -> HttpResponse:
    """Every practice the admin manages, archived ones last, each with its checklist's state."""
    from .onboarding import checklist

    rows = []
    for practice in admin_practices(request).order_by("archived_at", "name"):
        steps = checklist(practice) if practice.archived_at is None else []
        done = sum(step.done for step in steps)
        rows.append({"practice": practice, "done": done, "steps": len(steps)})
    return render(request, "tenants/practices.html", {"rows": rows})


@requires("practice.admin")
def practice_new(request: MemberRequest) -> HttpResponse:
    organisation_wide(request)
    org = request.organization
    form = PracticeForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        practice = form.save()
        log_access(request, "create", practice)
        messages.success(request, f"{practice.name} was created. Next: its billing practitioners.")
        return redirect("tenants:onboarding", uid=practice.uid)
    return render(request, "tenants/practice_form.html", {"form": form, "practice": None})


@requires("practice.admin")
def practice_edit(request: MemberRequest, uid: str) -> HttpResponse:
    practice = managed_practice(request, uid)
    form = PracticeForm(request.POST or None, instance=practice, organization=practice.organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_access(request, "update", practice)
        messages.success(request, f"{practice.name}'s details were saved.")
        return redirect("tenants:practice_edit", uid=practice.uid)
    context = {
        "form": form,
        "practice": practice,
        "practitioners": practice.practitioners.order_by("family_name", "given_name"),
        "revenue_codes": practice.revenue_codes.all() if practice.claim_form == "837i" else None,
        "revenue_code_now": practice.revenue_code_on(timezone.localdate())
        if practice.claim_form == "837i"
        else None,
    }
    return render(request, "tenants/practice_form.html", context)


@requires("practice.admin")
def practice_archive(request: MemberRequest, uid: str) -> HttpResponse:
    """Archive after the practice's short name is typed: its pages go, its data stays."""
    practice = managed_practice(request, uid)
    from ccmweb.patients.models import Patient

    patients = Patient.objects.filter(practice=practice).count()
    error = ""
    if request.method == "POST":
        if practice.archived_at is not None:
            practice.archived_at = None
            practice.save(update_fields=["archived_at"])
            log_access(request, "update", practice)
            messages.success(request, f"{practice.name} is active again.")
            return redirect("tenants:practices")
        if request.POST.get("confirm", "").strip() != practice.slug:
            error = f"Type {practice.slug} exactly to archive this practice."
        else:
            practice.archived_at = timezone.now()
            practice.save(update_fields=["archived_at"])
            log_access(request, "delete", practice)
            messages.success(
                request, f"{practice.name} was archived; its {patients} patients' records are kept."
            )
            return redirect("tenants:practices")
    context = {"practice": practice, "patients": patients, "error": error}
    return render(request, "tenants/practice_archive.html", context)


@requires("practice.admin")
def practitioner_new(request: MemberRequest, uid: str) -> HttpResponse:
    practice = managed_practice(request, uid)
    return _practitioner_form(request, practice, None)


@requires("practice.admin")
def practitioner_edit(request: MemberRequest, uid: str) -> HttpResponse:
    practitioner = get_object_or_404(
        Practitioner.objects.filter(practice__in=admin_practices(request)), uid=uid
    )
    return _practitioner_form(request, practitioner.practice, practitioner)


def _practitioner_form(
    request: MemberRequest, practice: Practice, practitioner: Practitioner | None
) -> HttpResponse:
    if practice.archived_at is not None:
        raise Http404("The practice is archived.")
    form = PractitionerForm(
        request.POST or None,
        instance=practitioner,
        practice=practice,
        coordinators=members_of(practice, Role.COORDINATOR),
        practitioners=members_of(practice, Role.PRACTITIONER),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            log_access(request, "update" if practitioner else "create", saved)
        messages.success(request, f"{saved} was saved.")
        return redirect("tenants:practice_edit", uid=practice.uid)
    context = {"form": form, "practice": practice, "practitioner": practitioner}
    return render(request, "tenants/practitioner_form.html", context)


@requires("practice.admin")
@require_safe
def onboarding(request: MemberRequest, uid: str) -> HttpResponse:
    """The practice's way to a first claim: each step, what it misses, and where to do it."""
    from .onboarding import checklist

    practice = managed_practice(request, uid)
    steps = checklist(practice)
    next_step = next((step for step in steps if not step.done), None)
    context = {"practice": practice, "steps": steps, "next_step": next_step}
    return render(request, "tenants/onboarding.html", context)


@require_POST
@requires("practice.admin")
def revenue_code(request: MemberRequest, uid: str) -> HttpResponse:
    """An RHC or FQHC chooses, from a date of service on, the revenue code its care-management
    lines carry on the 837I (cms-rules §13 leaves it unconfirmed; the core validates it)."""
    from django.core.exceptions import ValidationError

    from .models import RevenueCodeSetting

    practice = managed_practice(request, uid)
    row = RevenueCodeSetting(
        organization=practice.organization,
        practice=practice,
        revenue_code=request.POST.get("revenue_code", "").strip(),
    )
    try:
        row.effective_from = dt.date.fromisoformat(request.POST.get("effective_from", ""))
        row.full_clean()
    except ValueError:
        messages.error(request, "Give the first date of service the code applies to.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        row.save()
        log_access(request, "create", row)
        messages.success(request, f"Revenue code {row} saved.")
    return redirect("tenants:practice_edit", uid=practice.uid)
