"""Garbage collection during the long runs: import, month close, eligibility audit.

CPython's cyclic collector walks every tracked object of a generation when it runs; a full
collection also walks the whole of Django and everything loaded before the run. The long
runs allocate millions of containers (parsed JSON, records, row tuples) that are freed by
reference counting or kept on purpose, never left in cycles, so the collections they set off
find nothing: on the import sample they were 40% of the first import's time, a third of the
audit's (bench/RESULTS.md). `quiet_collector` moves what is alive into the permanent
generation (`gc.freeze`) and pauses collection for the run; afterwards both are undone and
the next collection runs as usual. A run whose units of work may leave cycles (the close:
Django's `prefetch_related` links a claim and its lines both ways) calls `tidy` after each
unit, which collects only what that unit allocated.

The pause is process-wide: while an upload page's import runs in its thread, cycles left by
other requests wait until it ends. Tests check that the runs leave no cyclic garbage.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Run the block without cyclic garbage collection, then restore it as it was."""
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


def tidy() -> None:
    """Collect the youngest generation: the cycles of the unit of work just finished."""
    gc.collect(0)
