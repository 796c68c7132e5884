"""Every request runs inside one organisation's scope, so an unscoped query raises."""

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from .http import TenantRequest
from .models import Membership

SESSION_ORG = "ccm_org"
SESSION_PRACTICE = "ccm_practice"
IDLE_LIMIT = "ccm_idle_seconds"


def memberships_of(user: User) -> list[Membership]:
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, deactivated_at__isnull=True)
            .select_related("organization")
            .defer("organization__logo")  # the picture is read by the logo view alone
            .prefetch_related("practices")
            .order_by("organization__name")
        )


class TenantScopeMiddleware:
    """Resolve the user's active membership and run the view inside its organisation's scope.

    Anonymous requests and users without a membership run with no scope at all: any query on
    tenant data then raises ScopeError instead of leaking another organisation's rows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        """Set every attribute TenantRequest declares, then run the view."""
        request.membership = None
        request.organization = None
        request.role = None
        request.practice_ids = []
        request.active_practice = None
        request.allowed_practices = []
        request.memberships = []
        if not request.user.is_authenticated:
            return self.get_response(request)
        memberships = memberships_of(request.user)
        request.memberships = memberships
        if not memberships:
            return self.get_response(request)
        wanted = request.session.get(SESSION_ORG)
        membership = next(
            (m for m in memberships if str(m.organization.uid) == wanted), memberships[0]
        )
        org = membership.organization
        request.membership = membership
        request.organization = org
        request.role = membership.role
        # The organisation's own idle limit, read by IdleTimeoutMiddleware on the next request.
        idle = org.idle_minutes * 60 if org.idle_minutes else None
        if request.session.get(IDLE_LIMIT) != idle:
            request.session[IDLE_LIMIT] = idle
        with scope(organization=org):
            from .models import Practice

            # Archived practices drop out of every page; a member limited to practices that
            # are all archived sees none (never, by accident, all of them).
            limited = list(membership.practices.all())
            chosen_ones = limited or Practice.objects.order_by("name")
            allowed = [p for p in chosen_ones if p.archived_at is None]
            request.allowed_practices = allowed
            chosen = request.session.get(SESSION_PRACTICE)
            active = next((p for p in allowed if str(p.uid) == chosen), None)
            request.active_practice = active
            request.practice_ids = [active.pk] if active else [p.pk for p in allowed]
            return self.get_response(request)
