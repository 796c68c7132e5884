"""Log users out after CCM_IDLE_MINUTES without a request (HIPAA automatic logoff); hold
members of organisations that require two-step log-in at its set-up until they have it."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ccmweb.tenants.middleware import IDLE_LIMIT

LAST_SEEN = "ccm_last_seen"
# The last request's time is written to the session (an UPDATE and its transaction) only once
# it is this old: a member is logged off between limit - TOUCH_SECONDS and limit idle, sooner,
# never later, and the other requests of a busy minute write nothing.
TOUCH_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            # An organisation may sign its members out sooner, never later (tenants/middleware).
            limit = min(
                request.session.get(IDLE_LIMIT) or settings.IDLE_TIMEOUT_SECONDS,
                settings.IDLE_TIMEOUT_SECONDS,
            )
            if last is not None and now - last > limit:
                logout(request)
            elif last is None or now - last >= TOUCH_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """In an organisation that requires two-step log-in, a member without an authenticator
    reaches only the page that sets one up (and log-out) until they have one."""

    OPEN = frozenset({"two_factor", "logout", "login", "login_code", "healthz"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        from .two_factor import factor_of

        org = getattr(request, "organization", None)
        if org is None or not org.require_two_factor or request.resolver_match is None:
            return None
        if request.resolver_match.url_name in self.OPEN or factor_of(request.user) is not None:
            return None
        if getattr(request, "htmx", False):
            response = HttpResponse(status=403)
            response["HX-Redirect"] = reverse("two_factor")
            return response
        return redirect("two_factor")
