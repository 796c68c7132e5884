"""Find the practice a command names: `--practice SLUG` (with `--org SLUG` when slugs repeat)."""

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from ccmweb.tenants.models import Practice


def practice_by_slug(slug: str, org_slug: str | None = None) -> Practice:
    with scopes_disabled():
        found = Practice.objects.filter(slug=slug).select_related("organization")
        if org_slug:
            found = found.filter(organization__slug=org_slug)
        practices = list(found[:2])
    if not practices:
        raise CommandError(f"--practice: no practice with slug {slug!r}")
    if len(practices) > 1:
        raise CommandError(f"--practice: {slug!r} exists in several organisations; add --org SLUG")
    return practices[0]
