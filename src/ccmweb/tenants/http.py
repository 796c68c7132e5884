"""The request as the tenant middleware leaves it, typed, and the one practice filter.

As healthchecks' `AuthenticatedHttpRequest`: views declare what the middleware and the
`requires` guard guarantee, so mypy checks every use of the organisation, role and practices.
"""

from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import Membership, Organization, Practice, Role

Row = TypeVar("Row", bound=models.Model)


class TenantRequest(HttpRequest):
    """Any request past `TenantScopeMiddleware`: a member's organisation, or none at all."""

    membership: Membership | None
    organization: Organization | None
    role: str | None
    practice_ids: list[int]
    active_practice: Practice | None
    allowed_practices: list[Practice]
    memberships: list[Membership]
    htmx: HtmxDetails  # set by django-htmx's middleware, before ours


class LoggedInRequest(TenantRequest):
    """A request `login_required` let through: a logged-in user, member of an organisation or not."""

    user: User


class MemberRequest(LoggedInRequest):
    """A request `requires` let through: a logged-in member with an organisation and a role."""

    membership: Membership
    organization: Organization
    role: str


def in_practices(
    rows: "models.Manager[Row] | models.QuerySet[Row]",
    request: MemberRequest,
    practice: str = "practice",
) -> "models.QuerySet[Row]":
    """ROWS limited to the practices the member works in (or the one chosen in the header).

    PRACTICE is the lookup path from ROWS to their practice, e.g. "patient__practice".
    """
    return rows.filter(**{f"{practice}__in": request.practice_ids})


def coordinators_in_practices(request: MemberRequest) -> list[Any]:
    """Coordinators who work in a practice this member may see: members of the whole
    organisation, or limited to practices that include one of the member's."""
    ids = (
        Membership.objects.filter(role=Role.COORDINATOR)
        .filter(Q(practices__isnull=True) | Q(practices__in=request.practice_ids))
        .values_list("user_id", flat=True)
    )
    return list(get_user_model().objects.filter(pk__in=list(ids)).order_by("username"))
