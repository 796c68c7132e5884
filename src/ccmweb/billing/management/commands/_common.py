"""What the billing commands share: --month parsing and a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.management.base import CommandError

from ccm.periods import BillingMonth
from ccmweb.tenants.models import Practice
from ccmweb.tenants.practices import practice_named


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


def practice_limit(text: str | None) -> Practice | None:
    """--practice on an upload: only that practice's claims may be touched (None: any)."""
    return practice_named(text) if text else None
