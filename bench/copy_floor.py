"""The write floor of a piece of work on PostgreSQL: `\\copy` of exactly the rows it wrote.

Issue 17 measures the close and the PostgreSQL import against the cost of writing their own
rows with no Python at all: the rows are copied out as COPY text, their tables emptied of
them, and the text sent back with `COPY … FROM STDIN` (what psql's `\\copy` does) into the
same tables, with their indexes, foreign keys and triggers, in one transaction whose COMMIT is
timed too. `before()` is taken just before the work and `floor()` just after, in the same run.

Rows are "the work's" by id: every row of a table that was empty before, else the rows with
an id above the table's largest before. The tables are emptied in a transaction of their own
(`session_replication_role = replica`, so append-only and revision triggers do not refuse or
count the emptying), and every table's row count is checked afterwards against the count
before the floor: a lost or extra row fails the benchmark.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

REVISION_TRIGGERS = (
    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
    " WHERE tgname LIKE '%revises_patient%' OR tgname = 'patients_patient_revision'"
)


@dataclass
class Floor:
    seconds: float  # the COPYs and the COMMIT
    commit: float
    rows: dict[str, int]
    megabytes: float
    server_cpu: float  # the COPYs' and the COMMIT's, in the server's backend (backend_cpu)


def backend_cpu(cursor: Any) -> float:
    """CPU seconds (user + system) the PostgreSQL backend serving CURSOR's connection has used so
    far, from /proc (the server runs on this machine; 0.0 where /proc cannot tell). The work's
    server CPU against the floor's shows what its own statements cost the server, apart from
    the client's Python."""
    cursor.execute("SELECT pg_backend_pid()")
    try:
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tables(cur: Any) -> list[str]:
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"
    )
    return [name for (name,) in cur.fetchall()]


def _has_id(cur: Any, table: str) -> bool:
    cur.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = %s AND column_name = 'id' AND data_type IN ('integer', 'bigint')",
        [table],
    )
    return cur.fetchone() is not None


def counts(url: str) -> dict[str, tuple[int, int]]:
    """Every public table's (row count, largest id or 0)."""
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        found = {}
        for table in _tables(cur):
            top = "max(id)" if _has_id(cur, table) else "0"
            cur.execute(f'SELECT count(*), coalesce({top}, 0) FROM "{table}"')
            found[table] = tuple(cur.fetchone())
        return found  # type: ignore[return-value]


def _in_reference_order(cur: Any, tables: list[str]) -> list[str]:
    """TABLES ordered so a table comes after the tables its foreign keys point at."""
    cur.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
        " WHERE contype = 'f'"
    )
    needs: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in cur.fetchall():
        if child in needs and parent in needs and parent != child:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, parents in needs.items() if not parents - set(ordered))
        if not ready:  # a cycle: the rest in name order (constraints are deferred anyway)
            ready = sorted(needs)
        for t in ready:
            ordered.append(t)
            del needs[t]
    return ordered


def set_revision_triggers(url: str, enabled: bool) -> list[str]:
    """Enable or disable the patient-revision triggers (a comparison run only); their names."""
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(REVISION_TRIGGERS)
        found = cur.fetchall()
        for table, name in found:
            cur.execute(
                f'ALTER TABLE {table} {"ENABLE" if enabled else "DISABLE"} TRIGGER "{name}"'
            )
        return [name for _, name in found]


def revision_trigger_time(url: str) -> tuple[int, float]:
    """Calls and server milliseconds of the revision trigger functions so far in the database
    (pg_stat_user_functions: the writing session needs `track_functions = 'pl'` and its
    statistics flushed, `SELECT pg_stat_force_next_flush()`)."""
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT coalesce(sum(calls), 0), coalesce(sum(total_time), 0)"
            " FROM pg_stat_user_functions WHERE funcname LIKE '%revis%'"
        )
        calls, ms = cur.fetchone()  # type: ignore[misc]
        return int(calls), float(ms)


def floor(
    url: str, before: dict[str, tuple[int, int]], *, immediate: bool = False, replica: bool = False
) -> Floor:
    """Copy out the rows written since BEFORE, empty them, and time COPYing them back (see the
    module's docstring). IMMEDIATE checks foreign keys as each COPY ends (as the close does);
    REPLICA writes with session_replication_role = replica (no triggers, no foreign keys)."""
    now = counts(url)
    grown = [t for t, (n, _) in now.items() if n > before.get(t, (0, 0))[0]]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        text: dict[str, bytes] = {}
        for table in grown:
            n, top = before.get(table, (0, 0))
            if n and not top:
                raise RuntimeError(f"{table} had rows and has no id: cannot tell the new rows")
            where = f" WHERE id > {top}" if n else ""
            chunks = []
            with cur.copy(f'COPY (SELECT * FROM "{table}"{where}) TO STDOUT') as out:
                for block in out:
                    chunks.append(bytes(block))
            text[table] = b"".join(chunks)
        cur.execute("SET session_replication_role = replica")
        emptied = [t for t in grown if not before.get(t, (0, 0))[0]]
        if emptied:
            cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in emptied) + " CASCADE")
        for table in grown:
            n, top = before.get(table, (0, 0))
            if n:
                cur.execute(f'DELETE FROM "{table}" WHERE id > {top}')
        cur.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        order = _in_reference_order(cur, grown)
        conn.commit()
        server = backend_cpu(cur)
        start = time.perf_counter()
        if immediate:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if replica:
            cur.execute("SET session_replication_role = replica")
        for table in order:
            with cur.copy(f'COPY "{table}" FROM STDIN') as into:
                body = text[table]
                for at in range(0, len(body), 1 << 20):
                    into.write(body[at : at + (1 << 20)])
        committing = time.perf_counter()
        conn.commit()
        end = time.perf_counter()
        server = backend_cpu(cur) - server
        cur.execute("SET session_replication_role = DEFAULT")
    after = counts(url)
    lost = {t: (now[t][0], after.get(t, (0, 0))[0]) for t in now if now[t][0] != after[t][0]}
    if lost:
        raise RuntimeError(f"the floor changed row counts (before, after): {lost}")
    rows = {t: text[t].count(b"\n") for t in order}
    megabytes = sum(len(b) for b in text.values()) / 1e6
    return Floor(end - start, end - committing, rows, megabytes, server)


def describe(found: Floor) -> str:
    rows = ", ".join(f"{t} {n:,}" for t, n in found.rows.items())
    return (
        f"{found.seconds:.3f} s (COMMIT {found.commit:.3f} s, server CPU {found.server_cpu:.2f} s)"
        f" for {sum(found.rows.values()):,} rows, {found.megabytes:.1f} MB of COPY text: {rows}"
    )
