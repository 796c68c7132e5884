"""Many rows into one table in few statements: multi-row INSERT, ids returned in order.

The importer writes thousands of rows a batch; building a Django model instance per row and
compiling its INSERT cost more than parsing the FHIR did (bench/RESULTS.md, "import"). Rows
here are plain tuples of column values (PostgreSQL gets one array a column instead); values that need the database's own form (UUIDs,
timestamps, decimals) go through the field's `get_db_prep_save`, as the ORM would do.
Raw SQL bypasses django-scopes: callers pass organization_id explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

_PREPARED = {"DateTimeField", "UUIDField", "DecimalField", "JSONField"}


def _preparers(
    model: type[models.Model], columns: Sequence[str]
) -> list[Callable[[Any], Any] | None]:
    found: list[Callable[[Any], Any] | None] = []
    for name in columns:
        field = model._meta.get_field(name)
        if field.get_internal_type() in _PREPARED:

            def prep(value: Any, field: Any = field) -> Any:
                return field.get_db_prep_save(value, connection)

            found.append(prep)
        else:
            found.append(None)
    return found


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
) -> list[int]:
    """INSERT the rows (values in `columns` order, attnames); with `returning`, their new ids."""
    if not rows:
        return []
    preps = _preparers(model, columns)
    if any(preps):
        rows = [[p(v) if p else v for p, v in zip(preps, row, strict=True)] for row in rows]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    if connection.vendor == "postgresql":
        return _insert_unnest(model, columns, rows, head, tail)
    head += "VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    limit = connection.features.max_query_params or 30000
    per = max(1, min(1000, limit // len(columns)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _insert_unnest(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    head: str,
    tail: str,
) -> list[int]:
    """PostgreSQL: one array a column, `INSERT … SELECT * FROM unnest(…)`, as Django's own
    bulk_create does; a statement of thousands of placeholders costs more to parse than to run."""
    types = [model._meta.get_field(name).db_type(connection) for name in columns]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    sql = f"{head}SELECT * FROM unnest({arrays}){tail}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            cursor.execute(sql, [list(values) for values in zip(*chunk, strict=True)])
            if tail:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids
