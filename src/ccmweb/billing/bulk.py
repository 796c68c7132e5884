"""Insert many rows at once: COPY on PostgreSQL, bulk_create elsewhere; ids come back in order.

The month close writes about four rows per patient-month. Model instances and psycopg's
quoting of parameters cost more than the database did, so rows travel as plain tuples:
PostgreSQL takes them through `COPY … FROM STDIN` with ids drawn from the table's sequence
beforehand (the rows that point at them need them); SQLite gets `bulk_create`.
JSON columns arrive already serialised (orjson bytes or str).

With a Pipeline, PostgreSQL's COPYs of one batch run on a thread while Python decides the
next batch: the machine's two cores then work at once, one in Python, one in the database.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from ccmweb.sql import column, next_ids

BATCH = 2000


class Pipeline:
    """A close's COPYs on a second thread, over the close's own connection and so inside its
    transaction (PostgreSQL; elsewhere insert_rows writes at once).

    The two threads never use the connection together: the close's thread touches it only
    after wait(), and hands it over with flush() (the COPYs insert_rows queued); meanwhile it
    decides the next batch in Python, on the other core, while the database writes.
    """

    def __init__(self) -> None:
        self.jobs: list[Callable[[], None]] = []
        self.running: list[Future[None]] = []
        self.thread: ThreadPoolExecutor | None = None
        self.owner = threading.get_ident()
        if connection.vendor == "postgresql":
            shared = connections[DEFAULT_DB_ALIAS]
            shared.inc_thread_sharing()
            self.thread = ThreadPoolExecutor(1, initializer=_use, initargs=(shared,))

    def flush(self) -> None:
        """Hand the queued COPYs to the database thread (with no thread, run them now)."""
        jobs, self.jobs = self.jobs, []
        if self.thread is None:
            _run(jobs)
        elif jobs:
            self.wait()
            self.running.append(self.thread.submit(_run, jobs))

    def start(self, job: Callable[[], None]) -> None:
        """JOB on the database thread now, after what it was given before, in the caller's
        context (its scope); at once with no thread. Its error is raised by wait()."""
        if self.thread is None:
            job()
        else:
            self.running.append(self.thread.submit(contextvars.copy_context().run, job))

    def wait(self) -> None:
        """Until the database thread is idle; the first error it met is raised here."""
        running, self.running = self.running, []
        failed: BaseException | None = None
        for future in running:  # every one: none may still use the connection after this
            error = future.exception()
            failed = failed or error
        if failed is not None:
            raise failed

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Each statement the caller's thread runs through Django waits for the database
        thread first: the connection is never used by both, and what the thread writes is
        seen by what follows it."""

        def waiting(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            if threading.get_ident() == self.owner:
                self.flush()
                self.wait()
            return execute(sql, params, many, context)

        if self.thread is None:
            yield
            return
        with connection.execute_wrapper(waiting):
            yield

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.flush()
            self.wait()  # the connection is the close's alone again before it commits or rolls back
        finally:
            if self.thread is not None:
                self.thread.shutdown()
                connections[DEFAULT_DB_ALIAS].dec_thread_sharing()


def _use(shared: Any) -> None:
    """The database thread uses the close's connection, not one of its own."""
    connections[DEFAULT_DB_ALIAS] = shared


def _run(jobs: list[Callable[[], None]]) -> None:
    for job in jobs:
        job()


def later(pipeline: Pipeline | None, job: Callable[[], None]) -> None:
    """JOB at the PIPELINE's next flush, in order with the writes queued before it; at once
    without a database thread."""
    if pipeline is None or pipeline.thread is None:
        job()
    else:
        pipeline.jobs.append(job)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ids: bool = True,
    pipeline: Pipeline | None = None,
) -> list[int]:
    """Insert ROWS (values for COLUMNS, attribute names like "patient_id") and return their ids
    (IDS=False: nothing points at these rows, so the database numbers them and none return).
    With a PIPELINE on PostgreSQL the ids are drawn and the COPY text made now, on the caller's
    thread, and the text is sent at its next flush()."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, ids, pipeline)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    is_json = [isinstance(fields[c], models.JSONField) for c in columns]
    made = [
        model(
            **{
                c: orjson.loads(v) if j and isinstance(v, (bytes, str)) else v
                for c, v, j in zip(columns, row, is_json, strict=True)
            }
        )
        for row in rows
    ]
    model._default_manager.bulk_create(made, batch_size=BATCH)
    return [m.pk for m in made]


def update_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    pipeline: Pipeline | None = None,
) -> None:
    """Set COLUMNS of many rows, each given as (id, *values): on PostgreSQL one COPY into a
    temporary table and one UPDATE … FROM it (a re-close's changed months cost as much a month
    as a first close's inserts, not a statement each), at the PIPELINE's next flush; elsewhere
    Django's bulk_update (one UPDATE … CASE a batch)."""
    if not rows:
        return
    later(pipeline, functools.partial(_update_rows, model, columns, rows))


def _update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    if connection.vendor != "postgresql":
        is_json = [isinstance(fields[c], models.JSONField) for c in columns]
        made = [
            model(
                pk=pk,
                **{
                    c: orjson.loads(v) if j and isinstance(v, (bytes, str)) else v
                    for c, v, j in zip(columns, values, is_json, strict=True)
                },
            )
            for pk, *values in rows
        ]
        model._default_manager.bulk_update(made, list(columns), batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), [quote(column(fields[c])) for c in columns]
    listed = ", ".join(names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE ccm_update ON COMMIT DROP AS "
            f"SELECT id, {listed} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY ccm_update (id, {listed}) FROM STDIN") as copy:
            for start in range(0, len(rows), 5000):
                copy.write("".join(copy_line(row) + "\n" for row in rows[start : start + 5000]))
        assignments = ", ".join(f"{n} = u.{n}" for n in names)
        cursor.execute(f"UPDATE {table} t SET {assignments} FROM ccm_update u WHERE t.id = u.id")
        cursor.execute("DROP TABLE ccm_update")


def _copy(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ids: bool,
    pipeline: Pipeline | None,
) -> list[int]:
    table = model._meta.db_table
    fields = {f.attname: f for f in model._meta.concrete_fields}
    # COPY knows nothing of Django's defaults (a uid's uuid4, an empty JSON list): add them.
    defaults = [
        f
        for f in fields.values()
        if f.attname not in columns and f.has_default() and f.name != "id"
    ]
    if defaults:
        columns = (*columns, *(f.attname for f in defaults))
        rows = [(*row, *(_default(f) for f in defaults)) for row in rows]
    names = ", ".join(connection.ops.quote_name(column(fields[c])) for c in columns)
    quoted = connection.ops.quote_name(table)
    numbers: list[int] = []
    if ids:
        numbers = next_ids(table, "id", len(rows))
        sql, prefixes = f"COPY {quoted} (id, {names}) FROM STDIN", [f"{pk}\t" for pk in numbers]
    else:
        sql, prefixes = f"COPY {quoted} ({names}) FROM STDIN", [""] * len(rows)

    # The text is made here, on the caller's thread: the database thread then only sends it
    # and waits for the server, and the close's Python is not split between two threads.
    blocks = [
        "".join(
            prefix + copy_line(row) + "\n"
            for prefix, row in zip(
                prefixes[start : start + 5000], rows[start : start + 5000], strict=True
            )
        )
        for start in range(0, len(rows), 5000)
    ]

    def write() -> None:
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for block in blocks:
                copy.write(block)

    later(pipeline, write)
    return numbers


def _default(field: models.Field[Any, Any]) -> Any:
    value = field.get_default()
    return orjson.dumps(value).decode() if isinstance(field, models.JSONField) else value


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(row: Sequence[Any]) -> str:
    """One row in COPY's text format, without the newline.

    Most rows need no escaping: for them `str` of each value, joined in C, is the answer, and
    one look at the line proves it. A backslash, newline or tab too many means escaping, and
    bytes would print as their repr: such rows go value by value through copy_text. A NULL
    prints as "None": where the row holds one, it becomes \\N in its place (a "None" in a
    text stays text). Booleans read the same either way: COPY takes "True" as it takes "t".
    """
    line = "\t".join(map(str, row))
    if (
        "\\" in line
        or "\n" in line
        or "\r" in line
        or line.count("\t") != len(row) - 1
        or bytes in map(type, row)
    ):
        return "\t".join(map(copy_text, row))
    if "None" in line and None in row:
        texts = zip(row, line.split("\t"), strict=True)
        return "\t".join("\\N" if value is None else text for value, text in texts)
    return line


def copy_text(value: object) -> str:
    """One value in COPY's text format (NULL is \\N; backslash, tab and newlines escaped).

    Written by hand because psycopg's per-row adaptation cost more than the database's
    work; the types are the few the close writes: text, numbers, dates, uuids, JSON bytes.
    """
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, bytes):
        value = value.decode()
    elif isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    elif not isinstance(value, str):
        return str(value)  # int, Decimal, UUID: no characters to escape
    return (
        value.translate(ESCAPES)
        if ("\\" in value or "\t" in value or "\n" in value or "\r" in value)
        else value
    )
