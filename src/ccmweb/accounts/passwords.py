"""The organisation's password policy: a minimum length each organisation may raise."""

from typing import Any

from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled


def required_length(user: Any) -> int:
    """The longest minimum among the organisations the user belongs to (or is joining)."""
    from ccmweb.tenants.models import Membership

    lengths = [org.min_password_length for org in getattr(user, "joining", [])]
    if user is not None and getattr(user, "pk", None):
        with scopes_disabled():
            lengths += Membership.objects.filter(
                user=user, deactivated_at__isnull=True
            ).values_list("organization__min_password_length", flat=True)
    return max(lengths, default=0)


class OrganizationMinimumLength:
    """AUTH_PASSWORD_VALIDATORS entry: at least the length the user's organisations require."""

    def validate(self, password: str, user: Any = None) -> None:
        length = required_length(user)
        if len(password) < length:
            raise ValidationError(
                f"Your organisation requires passwords of at least {length} characters.",
                code="organization_password_too_short",
            )

    def get_help_text(self) -> str:
        return "Your organisation may require a longer password."
