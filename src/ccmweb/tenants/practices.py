"""The practice a `ccm` command names, for every command that takes `--practice`.

`--practice SLUG` when the slug is unique; `ORG/SLUG`, or `--org ORG` beside it, when the same
slug exists in several organisations. Errors name the option and what to write instead.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from .models import Practice


def practice_named(text: str, org_slug: str | None = None) -> Practice:
    """The one practice TEXT (SLUG or ORG/SLUG) names, within ORG_SLUG when given."""
    slug = text
    if "/" in text:
        org_slug, slug = text.split("/", 1)
    with scopes_disabled():
        found = Practice.objects.filter(slug=slug).select_related("organization")
        if org_slug:
            found = found.filter(organization__slug=org_slug)
        practices = list(found[:5])
    where = f" in organisation {org_slug!r}" if org_slug else ""
    if not practices:
        raise CommandError(f"--practice: no practice with slug {slug!r}{where}")
    if len(practices) > 1:
        orgs = ", ".join(f"{p.organization.slug}/{p.slug}" for p in practices)
        raise CommandError(
            f"--practice: {slug!r} is in several organisations; write ORG/SLUG ({orgs})"
        )
    return practices[0]
