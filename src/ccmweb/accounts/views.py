import datetime as dt
import hashlib
import time
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from ccmweb.params import id_param
from ccmweb.patients.models import Patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import LoggedInRequest, MemberRequest
from ccmweb.tenants.middleware import SESSION_ORG, SESSION_PRACTICE
from ccmweb.tenants.models import Membership, Role

from . import totp, two_factor
from .audit import log_patients_shown
from .client import client_ip
from .models import AccessLog

PENDING = "ccm_2fa_pending"  # a password checked, the code not yet
SETUP = "ccm_2fa_setup"  # a secret shown to the user, not yet confirmed
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    """The password first; a user with an authenticator is logged in only after its code."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if two_factor.factor_of(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
            "failures": 0,
        }
        return redirect("login_code")


def login_code(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the authenticator's code (or a recovery code)."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, "Log in again: the code was not entered within five minutes.")
        return redirect("login")
    error = None
    if request.method == "POST":
        user = get_user_model().objects.get(pk=pending["user"])
        if two_factor.check(user, request.POST.get("code", "")):
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending["next"])
        # A wrong code counts as a failed log-in for the lockout (django-axes) too, so a
        # stolen password cannot be paired with endless guesses, five at a time.
        user_login_failed.send(__name__, credentials={"username": user.username}, request=request)
        pending["failures"] += 1
        if pending["failures"] >= MAX_CODE_FAILURES:
            del request.session[PENDING]
            messages.error(request, "Too many wrong codes. Log in again.")
            return redirect("login")
        request.session[PENDING] = pending
        error = (
            "That code is not right, or was already used. Enter the current code from your "
            "authenticator app, or one of your recovery codes."
        )
    return render(request, "accounts/login_code.html", {"error": error})


@login_required
def two_factor_page(request: LoggedInRequest) -> HttpResponse:
    """Turn the authenticator on (scan, confirm with a code), renew recovery codes, turn it off."""
    factor = two_factor.factor_of(request.user)
    required = bool(getattr(request.organization, "require_two_factor", False))
    context: dict[str, Any] = {"factor": factor, "required": required}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    code = request.POST.get("code", "")
    if action == "enable" and factor is None and SETUP in request.session:
        codes = two_factor.enable(request.user, request.session[SETUP], code)
        if codes is None:
            context["error"] = (
                "That code does not match. Check the app shows ccm, then try the current code."
            )
        else:
            del request.session[SETUP]
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    elif action == "recovery" and factor is not None:
        if two_factor.check(request.user, code):
            codes = two_factor.renew_recovery_codes(request.user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        context["error"] = "That code is not right, or was already used."
    elif action == "disable" and factor is not None:
        if required:
            context["error"] = (
                "Your organisation requires an authenticator: it cannot be turned off."
            )
        elif not request.user.check_password(request.POST.get("password", "")):
            context["error"] = "Your password was entered incorrectly."
        elif not two_factor.check(request.user, code):
            context["error"] = "That code is not right, or was already used."
        else:
            two_factor.disable(request.user)
            messages.success(
                request, "The authenticator is off: log-in asks for your password only."
            )
            return redirect("two_factor")
    if factor is None:  # every branch that changed the factor has returned
        secret = request.session.setdefault(SETUP, totp.new_secret())
        uri = totp.provisioning_uri(secret, request.user.get_username())
        context.update(
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            # segno writes the SVG from the URI's bits alone: no user text reaches the markup.
            qr=mark_safe(segno.make(uri, error="m").svg_inline(scale=4, title="ccm QR code")),
        )
    return render(request, "accounts/two_factor.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """A forgotten password: a one-hour link by e-mail to the address on the account.

    The page answers the same whether or not the address belongs to anyone (no guessing who
    has an account); the link is a credential, so it goes only into the message, never a log.
    """

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        if too_many_resets(form.cleaned_data["email"], client_ip(self.request)):
            return redirect(self.get_success_url())  # the same answer, and no mail
        return super().form_valid(form)


#: Reset links one address, and one client address, may ask for in an hour: no flooding
#: somebody's mailbox. Counted in the "shared" cache, so all server processes count together.
RESET_LIMITS = {"address": 3, "client": 20}


def too_many_resets(address: str, client: str | None) -> bool:
    """Count this request; True when the address or the client is past its limit."""
    cache = caches["shared"]
    hashed = hashlib.sha256(address.strip().lower().encode()).hexdigest()  # no address on disk
    over = False
    for kind, value in (("address", hashed), ("client", client or "")):
        key = f"reset:{kind}:{value}"
        cache.add(key, 0, 3600)
        over |= cache.incr(key) > RESET_LIMITS[kind]
    return over


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link's page: a new password (the validators apply), then the log-in page. Not
    logged in by the link: the password is checked again there, and the second step after."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was set. Log in with it now.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any logged-in user changes their own password (the old one first; the validators of
    settings apply); the session stays logged in. Staff no longer need an admin for it."""

    template_name = "accounts/password_change.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response

    def get_success_url(self) -> str:
        return str(reverse("home"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its day starts (after log-in, 2FA and a practice switch; a
    safe `next=` wins before this is reached): the others to the patient list."""
    if getattr(request, "organization", None) is None:
        return render(request, "accounts/no_membership.html", status=403)
    return redirect(LANDING.get(str(getattr(request, "role", "")), "patients:list"))


#: Where each role's day starts (issue 14); admins and auditors: the patient list.
LANDING: dict[str, str] = {
    Role.COORDINATOR: "timelog:worklist",
    Role.PRACTITIONER: "care_tasks:queue",
    Role.BILLER: "billing:close",
}


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Switch the active organisation and practice (practice empty = all the user may see)."""
    org_uid = request.POST.get("organization", "")
    practice_uid = request.POST.get("practice", "")
    memberships = getattr(request, "memberships", [])
    if org_uid:
        if not any(str(m.organization.uid) == org_uid for m in memberships):
            return HttpResponseBadRequest("Unknown organisation.")
        if request.session.get(SESSION_ORG) != org_uid:
            request.session[SESSION_ORG] = org_uid
            request.session.pop(SESSION_PRACTICE, None)
            return redirect("home")
    allowed = getattr(request, "allowed_practices", [])
    if practice_uid and not any(str(p.uid) == practice_uid for p in allowed):
        return HttpResponseBadRequest("Unknown practice.")
    request.session[SESSION_PRACTICE] = practice_uid or None
    return redirect("home")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


ACCESS_LOG_PAGE = 100


@requires("access.review")
@require_safe
def access_log(request: MemberRequest) -> HttpResponse:
    """Who saw or changed what, newest first: how a privacy officer answers "who looked at
    this patient?". Filters travel as opaque ids and dates; names shown are logged in turn.

    The whole log is for organisation-wide members: its rows name patients of every practice.
    A member limited to some practices reviews one of their own patients at a time.
    """
    chosen = _access_filters(request)
    if request.membership.practices.exists():
        if chosen["patient"] is None:
            raise PermissionDenied("The whole access log is for organisation-wide members.")
        if chosen["patient"].practice_id not in request.practice_ids:
            raise Http404
    rows = AccessLog.objects.select_related("user").order_by("-at", "-pk")
    if chosen["patient"] is not None:
        rows = rows.filter(patient_uid=str(chosen["patient"].uid))
    if chosen["user"] is not None:
        rows = rows.filter(user_id=chosen["user"])
    zone = timezone.get_current_timezone()
    if chosen["since"]:
        rows = rows.filter(at__gte=dt.datetime.combine(chosen["since"], dt.time(), zone))
    if chosen["until"]:
        day_after = chosen["until"] + dt.timedelta(days=1)
        rows = rows.filter(at__lt=dt.datetime.combine(day_after, dt.time(), zone))
    page = Paginator(rows, ACCESS_LOG_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    named = {r.patient_uid for r in page.object_list if r.patient_uid}
    patients = {str(p.uid): p for p in Patient.objects.filter(uid__in=named)} if named else {}
    for row in page.object_list:
        row.patient_shown = patients.get(row.patient_uid)  # type: ignore[attr-defined]  # the patient the row names, for the template
    log_patients_shown(request, patients.values())
    members = (
        Membership.objects.filter(organization=request.organization)
        .select_related("user")
        .order_by("user__username")
    )
    context = {"page": page, "members": members, **chosen}
    return render(request, "accounts/access_log.html", context)


def _access_filters(request: MemberRequest) -> dict[str, Any]:
    """The page's filters from the query string; a patient of another organisation is 404."""
    chosen: dict[str, Any] = {"patient": None, "user": None, "since": None, "until": None}
    if uid := request.GET.get("patient", "").strip():
        try:
            chosen["patient"] = Patient.objects.get(uid=uuid.UUID(uid))
        except (ValueError, Patient.DoesNotExist):
            raise Http404 from None
    if user := request.GET.get("user", "").strip():  # the form's select sends an id or nothing
        chosen["user"] = id_param(user)
        if chosen["user"] is None:
            raise BadRequest("Staff member: not one of the listed staff.")
    for name in ("since", "until"):  # the form's date inputs send a date or nothing
        if text := request.GET.get(name, "").strip():
            try:
                chosen[name] = dt.date.fromisoformat(text)
            except ValueError:
                raise BadRequest(f"{name.title()}: not a date written YYYY-MM-DD.") from None
    return chosen
