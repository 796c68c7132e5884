"""SQL helpers shared by the apps: bulk reads and writes (close, import, worklist), and the
migration step that makes a table append-only in the database.

The bulk helpers exist because Django's general path cost more than the database did at our
volumes (bench/RESULTS.md): an `__in` list prepared value by value, a sequence looked up once
a row.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from django.db import connection, migrations
from django.db.models import (
    BigIntegerField,
    CharField,
    Expression,
    Field,
    ForeignObject,
    IntegerField,
    Lookup,
    Model,
)


def _listed(ids: Any) -> str:
    """IDS written as SQL integers, comma-separated (int() makes sure each is one)."""
    return ",".join(str(int(i)) for i in ids)


class IdList(Expression):
    """Row ids as one `IN (…)` list, rendered once: `filter(x__in=IdList(ids))`.

    Django prepares and compiles every value of an `__in` list for each query; for the 400
    patients of a worklist, across its eight queries, that took longer than the database.
    The ids are integers (int() makes sure), so writing them into the SQL is safe.
    """

    def __init__(self, ids: Any) -> None:
        super().__init__(output_field=BigIntegerField())
        listed = _listed(ids)
        self.sql = f"({listed})" if listed else "(NULL)"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        return self.sql, ()


class AnyOf(Lookup):
    """`filter(patient_id__anyof=ids)`: integer ids as one array constant on PostgreSQL.

    PostgreSQL turns `IN (1, 2, …)` into `= ANY('{1,2,…}')` itself, the same plan, but only
    after parsing, coercing and folding each listed value as a node of its own: for the 3,000
    patients of a worklist that planning took 4–5 ms a query, against 1 ms for the array
    written as one constant (bench/RESULTS.md, worklist, 2026-12-02 d). SQLite gets the
    `IN` list. The ids are integers (int() makes sure), so writing them into the SQL is safe.
    """

    lookup_name = "anyof"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY('{{{_listed(self.rhs)}}}'::bigint[])", tuple(params)
        return f"{lhs} IN {IdList(self.rhs).sql}", tuple(params)


ForeignObject.register_lookup(AnyOf)
IntegerField.register_lookup(AnyOf)


@CharField.register_lookup
class Among(Lookup):
    """`filter(source_id__among=strings)`: an `__in` of many strings as one parameter.

    The importer asks for thousands of EMR ids a chunk; as an `__in` list each was a parameter
    that Django prepared and the driver spliced into the SQL one by one (bench/RESULTS.md,
    "import"). PostgreSQL gets one text-array literal, which its planner sees as a constant
    and so searches the index with (an array made in the query, from JSON, was applied as a
    filter: each row of the type compared with every id); SQLite reads a JSON array with
    json_each.
    """

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = [str(v) for v in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::text[])", (*params, _text_array(values))
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (
            *params,
            orjson.dumps(values).decode(),
        )


def concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    """MODEL's field NAME, a column of its table (get_field also answers reverse relations)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a column")
    return found


def column(field: Field[Any, Any]) -> str:
    """A concrete field's column (the stubs allow None: a relation has no column of its own)."""
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def insert_values(
    cursor: Any,
    table: str,
    columns: list[str],
    rows: Any,
    per_statement: int,
    tail: str = "",
    *,
    mark: str = "%s",
    returning: bool = False,
) -> list[Any]:
    """Insert ROWS (values for COLUMNS, in order) as multi-row INSERTs of PER_STATEMENT rows,
    TAIL (an ON CONFLICT or a RETURNING clause) after each: one statement parsed and planned
    for many rows, where an executemany or bulk_create runs one a row or builds model
    instances. The caller bounds PER_STATEMENT by the database's parameters a statement and
    holds the transaction when there is more than one. CURSOR is Django's (MARK `%s`) or a
    driver's own (its MARK, e.g. SQLite's `?`); RETURNING: the rows the statements return."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    returned: list[Any] = []
    for first in range(0, len(rows), per_statement):
        chunk = rows[first : first + per_statement]
        cursor.execute(
            head + ", ".join([one] * len(chunk)) + tail, [v for row in chunk for v in row]
        )
        if returning:
            returned += cursor.fetchall()
    return returned


def _text_array(values: list[str]) -> str:
    """PostgreSQL's literal of a text[]: every element quoted, its quotes and backslashes escaped."""
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


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


def append_only(table: str) -> migrations.RunPython:
    """A migration step that makes TABLE refuse changes in the database itself, not only in
    its model's QuerySet (which raw SQL, a shell or another tool would bypass).

    PostgreSQL refuses UPDATE and DELETE with a trigger (SQLSTATE 23001, an IntegrityError);
    TRUNCATE, which a test run's flush and the benchmarks use, is not a row change and still
    works. SQLite refuses UPDATE only: Django empties SQLite tables between transactional tests
    with DELETE, and SQLite triggers cannot tell that apart.
    """
    trigger = f"{table}_append_only"

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION ccm_append_only() RETURNS trigger LANGUAGE plpgsql"
                " AS $$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME,"
                " TG_OP USING ERRCODE = 'restrict_violation'; END $$",
                None,  # no parameters: the % are plpgsql's
            )
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION ccm_append_only()"
            )
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} BEGIN"
                f" SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        on = f" ON {table}" if schema_editor.connection.vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}")

    return migrations.RunPython(forward, backward)


#: The Patient columns a month's decision reads (billing.batch.PatientRow, month_case): a
#: change to any of them is a change to the patient's inputs.
PATIENT_DECISION_COLUMNS = ("practice_id", "mbi", "part_b", "qmb", "address_line", "city",
                            "state", "postal_code")  # fmt: skip


_BUMP = "UPDATE patients_patient SET revision = revision + 1 WHERE id IN"


def _sqlite_revision_trigger(table: str, event: str, patient: str, via: str) -> str:
    """SQLite's row-level trigger of `revises_patient` for EVENT (INSERT, UPDATE, DELETE)."""

    def one(row: str) -> str:
        if not via:
            return f"{row}.{patient}"
        other = via.split()[0]
        column = via.split("= r.")[1].strip()
        return f"(SELECT {patient} FROM {other} WHERE id = {row}.{column})"

    ids = {"INSERT": one("NEW"), "UPDATE": f"{one('NEW')}, {one('OLD')}", "DELETE": one("OLD")}
    return (
        f"CREATE TRIGGER {table}_revises_patient_{event.lower()} AFTER {event} ON {table}"
        f" BEGIN {_BUMP} ({ids[event]}); END"
    )


@contextmanager
def revising_once(cursor: Any, table: str, patients: Callable[[], Iterable[int]]) -> Iterator[None]:
    """SQLite, for a bulk INSERT into TABLE inside a transaction the caller holds: its
    row-level `revises_patient` trigger (an UPDATE of the patient a row) is swapped for one
    set-based bump of the PATIENTS the rows name, as PostgreSQL's statement-level trigger
    does it. The trigger is dropped, the block runs, the bump follows and the trigger is made
    again from the same text, all in the caller's transaction (SQLite's DDL is
    transactional, and its writer holds the database's one write lock throughout), so no
    other connection ever writes to TABLE without it; on an error the trigger is made again
    too and the caller's rollback takes back the rows. Only the plain form (the patient a
    column of TABLE itself, `patient_id`) is swapped, and only when the trigger in the
    database is exactly that text; otherwise the block runs under the row trigger."""
    made = _sqlite_revision_trigger(table, "INSERT", "patient_id", "")
    name = f"{table}_revises_patient_insert"
    found = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]
    ).fetchone()
    if found is None or found[0] != made:
        yield
        return
    cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
        cursor.execute(f"{_BUMP} ({_listed(sorted(set(patients())))})")
    finally:
        cursor.execute(made)


def revises_patient(table: str, patient: str = "patient_id", via: str = "") -> migrations.RunPython:
    """A migration step that makes every change to TABLE's rows (insert, update, delete, COPY,
    raw SQL alike) count as a change of their patients' close inputs: it bumps
    patients_patient.revision, which the month close compares with the revision each stored
    month was decided at, so a re-close rebuilds only the patients whose inputs changed.

    PATIENT is the column (of TABLE, or of VIA's table) naming the patient; VIA, when given,
    is `other_table ON other_table.id = r.column`, joined to the changed rows `r`.

    PostgreSQL: statement-level triggers with transition tables, one set-based UPDATE of the
    touched patients per statement (a bulk import's COPY bumps each of its patients once).
    SQLite: row-level triggers (SQLite has no statement-level ones), an UPDATE by primary key.
    """
    trigger = f"{table}_revises_patient"
    join = f" JOIN {via}" if via else ""
    source = via.split()[0] if via else "r"

    def touched(rows: str) -> str:
        return f"SELECT {source}.{patient} FROM {rows} r{join}"

    def forward(apps: Any, schema_editor: Any) -> None:
        bump = _BUMP
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN"
                f" IF TG_OP = 'INSERT' THEN {bump} ({touched('new_rows')});"
                f" ELSIF TG_OP = 'DELETE' THEN {bump} ({touched('old_rows')});"
                f" ELSE {bump} ({touched('new_rows')} UNION {touched('old_rows')});"
                " END IF; RETURN NULL; END $$",
                None,
            )
            for event, tables in (
                ("INSERT", "NEW TABLE AS new_rows"),
                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("DELETE", "OLD TABLE AS old_rows"),
            ):
                schema_editor.execute(
                    f"CREATE TRIGGER {trigger}_{event.lower()} AFTER {event} ON {table}"
                    f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
                )
        elif schema_editor.connection.vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(_sqlite_revision_trigger(table, event, patient, via))

    def backward(apps: Any, schema_editor: Any) -> None:
        postgresql = schema_editor.connection.vendor == "postgresql"
        for event in ("insert", "update", "delete"):
            on = f" ON {table}" if postgresql else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}_{event}{on}")
        if postgresql:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()")

    return migrations.RunPython(forward, backward)


def patient_revision() -> migrations.RunPython:
    """A migration step that keeps patients_patient.revision moving forward only, and bumps it
    when a column the month's decision reads changes (PATIENT_DECISION_COLUMNS): a save of a
    patient loaded before a bump writes the old revision back, which must not hide the bump."""
    columns = PATIENT_DECISION_COLUMNS

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
            schema_editor.execute(
                "CREATE OR REPLACE FUNCTION patients_patient_revision() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN"
                f" IF {changed} THEN NEW.revision := greatest(OLD.revision, NEW.revision) + 1;"
                " ELSIF NEW.revision < OLD.revision THEN NEW.revision := OLD.revision;"
                " END IF; RETURN NEW; END $$",
                None,
            )
            schema_editor.execute(
                "CREATE TRIGGER patients_patient_revision BEFORE UPDATE ON patients_patient"
                " FOR EACH ROW EXECUTE FUNCTION patients_patient_revision()"
            )
        elif schema_editor.connection.vendor == "sqlite":
            changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
            schema_editor.execute(
                "CREATE TRIGGER patients_patient_revision AFTER UPDATE ON patients_patient"
                f" WHEN NEW.revision < OLD.revision OR {changed} BEGIN"
                " UPDATE patients_patient SET revision ="
                f" CASE WHEN {changed} THEN max(OLD.revision, NEW.revision) + 1"
                " ELSE OLD.revision END WHERE id = NEW.id; END"
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "DROP TRIGGER IF EXISTS patients_patient_revision ON patients_patient"
            )
            schema_editor.execute("DROP FUNCTION IF EXISTS patients_patient_revision()")
        else:
            schema_editor.execute("DROP TRIGGER IF EXISTS patients_patient_revision")

    return migrations.RunPython(forward, backward)
