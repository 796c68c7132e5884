"""`ccm demo` hook: the demo practice bills approved lines automatically (no sign-off queue)."""

from typing import Any

from .models import BillingSettings


def seed(context: Any) -> None:
    settings, created = BillingSettings.objects.get_or_create(
        organization=context.organization,
        practice=context.practice,
        defaults={"requires_signoff": False},
    )
    context.stdout.write(
        f"billing: {'created' if created else 'kept'} settings for {context.practice.slug} "
        f"(sign-off {'required' if settings.requires_signoff else 'not required'})"
    )
