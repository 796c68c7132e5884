from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ccmweb.tenants.middleware import SESSION_ORG, SESSION_PRACTICE


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
    """Send each role to where its day starts."""
    if getattr(request, "organization", None) is None:
        return render(request, "accounts/no_membership.html", status=403)
    return redirect("patients:list")


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
