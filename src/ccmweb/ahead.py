"""Reading a batch ahead: one thread with a database connection of its own.

The month close (billing.batch.Reader) and the gap audit (imports.gap_facts.chunks) read their
next batch while Python decides the current one: PostgreSQL is another process, and psycopg
waits without the GIL, so the machine's two cores work at once. Both read on this one kind of
thread, so how its calls carry the caller's scope and how its connection is closed is written
once, here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


class ReadAhead:
    """One thread, with its own connection (Django's are per thread), running the calls given
    in their order and in the context each was given in (django-scopes keeps the scope in a
    context variable). Leaving the `with` closes the thread's connection and ends the thread;
    a call still waiting is dropped, one running is waited for.

    The thread sees only what is committed: use it outside a transaction, for rows the caller
    does not write meanwhile.
    """

    def __init__(self, name: str) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix=name)

    def submit(self, call: Callable[..., T], *args: object) -> Future[T]:
        return self.pool.submit(contextvars.copy_context().run, call, *args)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the thread's connection, then end the thread."""
        try:
            self.pool.submit(_close_connection).result()
        finally:
            self.pool.shutdown(cancel_futures=True)


def _close_connection() -> None:
    """The calling thread's connection (a bound `connection.close` would be the caller's)."""
    connection.close()
