"""What the billing commands share: --practice resolution, --month parsing, a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.tenants.models import Practice


def practice_from(text: str) -> Practice:
    """A practice slug, or ORG/SLUG when the slug exists in more than one organisation."""
    with scopes_disabled():
        if "/" in text:
            org_slug, slug = text.split("/", 1)
            found = list(
                Practice.objects.filter(organization__slug=org_slug, slug=slug).select_related(
                    "organization"
                )
            )
        else:
            found = list(Practice.objects.filter(slug=text).select_related("organization"))
    if not found:
        raise CommandError(f"--practice: no practice with slug {text!r}")
    if len(found) > 1:
        orgs = ", ".join(f"{p.organization.slug}/{p.slug}" for p in found)
        raise CommandError(
            f"--practice: {text!r} is in several organisations; write ORG/SLUG ({orgs})"
        )
    return found[0]


def month_from(text: str) -> BillingMonth:
    try:
        return BillingMonth.parse(text)
    except ValueError:
        raise CommandError(f"--month: must be YYYY-MM, not {text!r}") from None


def progress_bar(label: str) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True))
    task = bar.add_task(label, total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop
