"""The request as the tenant middleware leaves it, typed, and the one practice filter.

As healthchecks' `AuthenticatedHttpRequest`: views declare what the middleware and the
`requires` guard guarantee, so mypy checks every use of the organisation, role and practices.
"""

from typing import TypeVar

from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import Membership, Organization, Practice

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
