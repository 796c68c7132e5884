"""SQL helpers shared by the apps that read and write rows in bulk (close, import, worklist).

Each exists because Django's general path cost more than the database did at our volumes
(bench/RESULTS.md): an `__in` list prepared value by value, a sequence looked up once a row.
"""

from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Expression


class IdList(Expression):
    """Row ids as one `IN (…)` list, rendered once: `filter(x__in=IdList(ids))`.

    Django prepares and compiles every value of an `__in` list for each query; for the 400
    patients of a worklist, across its eight queries, that took longer than the database.
    The ids are integers (int() makes sure), so writing them into the SQL is safe.
    """

    def __init__(self, ids: Any) -> None:
        super().__init__(output_field=BigIntegerField())
        self.sql = "(" + ",".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return self.sql, []


def next_ids(table: str, column: str, count: int) -> list[int]:
    """COUNT ids drawn from the PostgreSQL sequence behind TABLE.COLUMN, in order, so rows
    that point at new rows can be written by COPY with them (the sequence is looked up once,
    in a sub-select: `nextval(pg_get_serial_sequence(…))` looked it up once a row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass))"
            " FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
