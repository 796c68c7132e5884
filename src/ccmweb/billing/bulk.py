"""Insert many rows at once: COPY on PostgreSQL, bulk_create elsewhere; ids come back in order.

The month close writes about four rows per patient-month. Model instances and psycopg's
quoting of parameters cost more than the database did, so rows travel as plain tuples:
PostgreSQL takes them through `COPY … FROM STDIN` with ids drawn from the table's sequence
beforehand (the rows that point at them need them); SQLite gets `bulk_create`.
JSON columns arrive already serialised (orjson bytes or str).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connection, models

BATCH = 2000


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ids: bool = True,
) -> list[int]:
    """Insert ROWS (values for COLUMNS, attribute names like "patient_id") and return their ids
    (IDS=False: nothing points at these rows, so the database numbers them and none return)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, ids)
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


def _copy(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], ids: bool
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
    names = ", ".join(connection.ops.quote_name(fields[c].column) for c in columns)
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            numbers = [pk for (pk,) in cursor.fetchall()]
            sql, prefixes = f"COPY {quoted} (id, {names}) FROM STDIN", [f"{pk}\t" for pk in numbers]
        else:
            numbers, sql, prefixes = [], f"COPY {quoted} ({names}) FROM STDIN", [""] * len(rows)
        with cursor.cursor.copy(sql) as copy:
            lines = []
            for prefix, row in zip(prefixes, rows, strict=True):
                lines.append(prefix + "\t".join(map(copy_text, row)) + "\n")
                if len(lines) == 5000:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))
    return numbers


def _default(field: models.Field[Any, Any]) -> Any:
    value = field.get_default()
    return orjson.dumps(value) if isinstance(field, models.JSONField) else value


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
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
