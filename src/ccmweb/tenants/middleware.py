"""Every request runs inside one organisation's scope, so an unscoped query raises."""

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from .http import TenantRequest
from .models import Membership, Practice

SESSION_ORG = "ccm_org"
SESSION_PRACTICE = "ccm_practice"
IDLE_LIMIT = "ccm_idle_seconds"


def memberships_of(user: User) -> list[Membership]:
    """The user's live memberships with their organisations; their practices are read once
    the active one is known (practices_of), not for every membership."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, deactivated_at__isnull=True)
            .select_related("organization")
            .defer("organization__logo")  # the picture is read by the logo view alone
            .order_by("organization__name")
        )


def practices_of(membership: Membership) -> list[Practice]:
    """The practices MEMBERSHIP may work in: those it is limited to, else all of its
    organisation's; archived ones dropped. One query (the scope's organisation's practices,
    each marked when the membership lists it) instead of the membership's list and then the
    organisation's, read on every request."""
    listed = Membership.practices.through.objects.filter(
        membership_id=membership.pk, practice_id=OuterRef("pk")
    )
    practices = list(Practice.objects.order_by("name").annotate(listed=Exists(listed)))
    # A member limited to practices that are all archived sees none (never, by accident, all).
    chosen_ones = [p for p in practices if p.listed] or practices
    return [p for p in chosen_ones if p.archived_at is None]


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
            allowed = practices_of(membership)
            request.allowed_practices = allowed
            chosen = request.session.get(SESSION_PRACTICE)
            active = next((p for p in allowed if str(p.uid) == chosen), None)
            request.active_practice = active
            request.practice_ids = [active.pk] if active else [p.pk for p in allowed]
            return self.get_response(request)
