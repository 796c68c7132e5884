"""Every request runs inside one organisation's scope, so an unscoped query raises."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from .models import Membership

SESSION_ORG = "ccm_org"
SESSION_PRACTICE = "ccm_practice"


def memberships_of(user) -> list[Membership]:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user)
            .select_related("organization")
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

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organization = None  # type: ignore[attr-defined]
        request.role = None  # type: ignore[attr-defined]
        request.practice_ids = []  # type: ignore[attr-defined]
        request.active_practice = None  # type: ignore[attr-defined]
        request.allowed_practices = []  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if not request.user.is_authenticated:
            return self.get_response(request)
        memberships = memberships_of(request.user)
        request.memberships = memberships  # type: ignore[attr-defined]
        if not memberships:
            return self.get_response(request)
        wanted = request.session.get(SESSION_ORG)
        membership = next(
            (m for m in memberships if str(m.organization.uid) == wanted), memberships[0]
        )
        org = membership.organization
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = org  # type: ignore[attr-defined]
        request.role = membership.role  # type: ignore[attr-defined]
        with scope(organization=org):
            limited = list(membership.practices.all())
            if limited:
                allowed = limited
            else:
                from .models import Practice

                allowed = list(Practice.objects.order_by("name"))
            request.allowed_practices = allowed  # type: ignore[attr-defined]
            chosen = request.session.get(SESSION_PRACTICE)
            active = next((p for p in allowed if str(p.uid) == chosen), None)
            request.active_practice = active  # type: ignore[attr-defined]
            request.practice_ids = [active.pk] if active else [p.pk for p in allowed]  # type: ignore[attr-defined]
            return self.get_response(request)
