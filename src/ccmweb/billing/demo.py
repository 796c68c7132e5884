"""`ccm demo` hook: the demo practices bill approved lines automatically (no sign-off queue);
an RHC/FQHC's institutional claims go to Medicare Part A (cms-rules §13)."""

from typing import Any

from .models import BillingSettings


def seed(context: Any) -> None:
    practice = context.practice
    defaults: dict[str, Any] = {"requires_signoff": False}
    if practice.claim_form == "837i":
        defaults["payer_name"] = "MEDICARE PART A"
    settings, created = BillingSettings.objects.get_or_create(
        organization=context.organization, practice=practice, defaults=defaults
    )
    context.stdout.write(
        f"billing: {'created' if created else 'kept'} settings for {practice.slug} "
        f"(sign-off {'required' if settings.requires_signoff else 'not required'}, "
        f"{practice.claim_form.upper()} claims)"
    )
