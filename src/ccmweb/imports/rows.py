"""Many rows into one table in few statements: COPY or multi-row INSERT, ids in row order.

The importer writes thousands of rows a batch; building a Django model instance per row and
compiling its INSERT cost more than parsing the FHIR did (bench/RESULTS.md, "import"). Rows
here are plain tuples of column values (PostgreSQL takes them through COPY); values that need
the database's own form (UUIDs, timestamps, JSON) go through the field's
`get_db_prep_save`, as the ORM would do.
Raw SQL bypasses django-scopes: callers pass organization_id explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from psycopg import Copy
from psycopg.copy import FileWriter

from ccmweb.sql import column, concrete_field, insert_values, next_ids, revising_once

if TYPE_CHECKING:
    from ccmweb.billing.bulk import Pipeline

# Decimals are not among them: the field's preparation only re-makes the same Decimal, which
# both drivers take as it is, and it cost a tenth of writing the measurements.
_PREPARED = {"DateTimeField", "UUIDField", "JSONField"}
#: Rows of one SQLite INSERT (fewer if the columns would pass the driver's parameter limit).
PER_STATEMENT = 500
#: SQLite: rows of one call from which the patient-revision trigger is swapped for one bump.
REVISE_ONCE = 50


def _preparers(
    model: type[models.Model], columns: Sequence[str]
) -> list[Callable[[Any], Any] | None]:
    found: list[Callable[[Any], Any] | None] = []
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: a lookup per value
    for name in columns:
        field = concrete_field(model, name)
        if field.get_internal_type() in _PREPARED:

            def prep(value: Any, field: Any = field) -> Any:
                return field.get_db_prep_save(value, db)

            found.append(prep)
        else:
            found.append(None)
    return found


def db_value(model: type[models.Model], name: str, value: Any) -> Any:
    """VALUE in the database's own form for MODEL.NAME, as the ORM would send it."""
    return concrete_field(model, name).get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
    prepared: bool = False,
    pipeline: Pipeline | None = None,
) -> list[int]:
    """INSERT the rows (values in `columns` order, attnames); with `returning`, their new ids.
    PREPARED: the values are already in the database's own form (see `db_value`). With a
    PIPELINE (PostgreSQL), the ids are drawn and the COPY text made now and the text is sent
    on the pipeline's database thread, which the caller does not wait for."""
    if not rows:
        return []
    preps = [] if prepared else _preparers(model, columns)
    if any(preps):
        rows = [[p(v) if p else v for p, v in zip(preps, row, strict=True)] for row in rows]
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, returning, pipeline)
    return _insert(model, columns, rows, returning)


def _insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: bool,
) -> list[int]:
    """SQLite: on the driver's own connection, with its own `?` marks. Django's cursor rewrites
    each `%s` of a statement with a regular expression, which for a thousand rows of ten
    columns cost about what SQLite took to insert them (bench/RESULTS.md, "import"). Rows go
    PER_STATEMENT a statement (ccmweb.sql.insert_values, given the driver's cursor), with or
    without ids back: `executemany` (a statement a row) took 1.7 times as long for the
    ledger's rows. From REVISE_ONCE rows on, a table's `revises_patient` trigger is swapped
    for one bump of the rows' patients (ccmweb.sql.revising_once): the trigger's UPDATE a row
    was about as much SQLite work as inserting the conditions and encounters themselves."""
    pk = connection.ops.quote_name(column(model._meta.pk))
    connection.ensure_connection()
    limit = connection.features.max_query_params or 30000
    per = max(1, min(PER_STATEMENT, limit // len(columns)))
    table = model._meta.db_table
    # Django's IntegrityError…, as the ORM would raise
    with transaction.atomic(), connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        revising: AbstractContextManager[None] = nullcontext()
        if len(rows) >= REVISE_ONCE and "patient_id" in columns:
            at = list(columns).index("patient_id")
            revising = revising_once(cursor, table, lambda: (row[at] for row in rows))
        with revising:
            returned = insert_values(
                cursor,
                table,
                list(columns),
                rows,
                per,
                f" RETURNING {pk}" if returning else "",
                mark="?",
                returning=returning,
            )
    return [row[0] for row in returned]


def _copy(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: bool,
    pipeline: Pipeline | None = None,
) -> list[int]:
    """PostgreSQL: `COPY … FROM STDIN`, ids drawn from the table's sequence first when wanted.

    COPY sends the rows as one stream that psycopg formats in C; an INSERT of arrays made
    psycopg quote every element in Python (bench/RESULTS.md, "import"). With a PIPELINE the
    text is made here (psycopg's formatter writing to memory) and only sent on its thread.
    """
    table = model._meta.db_table
    quote = connection.ops.quote_name
    names = [quote(c) for c in columns]
    ids: list[int] = []
    if returning:
        ids = next_ids(table, column(model._meta.pk), len(rows))
        names.insert(0, quote(column(model._meta.pk)))
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    copying = f"COPY {quote(table)} ({', '.join(names)}) FROM STDIN"
    if pipeline is None or pipeline.thread is None:
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copying) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return ids
    text = BytesIO()  # formatted here, where the Python runs; the thread only sends it
    with connection.cursor() as cursor, Copy(cursor.cursor, writer=FileWriter(text)) as made:
        for row in rows:
            made.write_row(row)
    data = text.getvalue()

    def send() -> None:
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copying) as copy,
        ):
            copy.write(data)

    pipeline.start(send)
    return ids
