"""The long runs pause cyclic garbage collection (jobs/tasks.py: collector_paused, only in a
task's own process, never a web worker's); that is only safe if they leave no garbage in
cycles, and only harmless if the collector comes back as it was."""

import datetime as dt
import gc
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.billing import testdata
from ccmweb.billing.services import close_month
from ccmweb.imports.gap_results import run_audit
from ccmweb.imports.services import run_import, start_run
from ccmweb.jobs.tasks import collector_paused

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "fhir_bad"  # good and bad lines
TODAY = dt.date(2026, 7, 1)


def test_the_collector_comes_back_as_it_was_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused(True):
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        1 / 0  # noqa: B018
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with collector_paused(True):
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def cyclic_garbage_of(run) -> int:  # type: ignore[no-untyped-def]
    """Objects left in unreachable cycles by RUN (collected before, so none are older)."""
    gc.collect()
    run()
    return gc.collect()


def test_an_import_leaves_no_garbage_in_cycles(cast):
    practice = cast.acme.north
    files = [str(BAD)]
    with scope(organization=practice.organization):
        start_run(practice, "fhir")  # the first query of a test builds Django's caches

        def twice() -> None:
            for _ in range(2):
                run_import(start_run(practice, "fhir"), files, today=TODAY)

        assert cyclic_garbage_of(twice) == 0


def test_a_month_close_and_an_audit_leave_no_garbage_in_cycles(cast):
    now = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
    with scopes_disabled():
        acme = cast.acme
        for minutes in (25, 45, 5):
            testdata.billable_month(acme, minutes=minutes)
        close_month(acme.north, testdata.MONTH, now=now)  # caches built, a first close done
        testdata.billable_month(acme, minutes=70)

        def again() -> None:
            close_month(acme.north, testdata.MONTH, now=now + dt.timedelta(days=1))
            run_audit(acme.north, BillingMonth(2026, 3))

        assert cyclic_garbage_of(again) == 0


def test_no_web_code_freezes_or_pauses_the_collector():
    """gc.freeze/gc.disable only in the task base (jobs/tasks.py), which runs in the worker or
    the `ccm` command: a page (the audit once did) must never pause a web worker's collector."""
    src = Path(__file__).resolve().parents[2] / "src" / "ccmweb"
    found = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if any(call in path.read_text() for call in ("gc.freeze(", "gc.disable("))
    ]
    assert found == ["jobs/tasks.py"]
