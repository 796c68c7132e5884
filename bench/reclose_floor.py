"""The write floors of a first close and of a re-close: bare SQL writing exactly their rows.

Issue 13 asks a re-close to cost per changed month no more than a first close per month. A
changed month writes more than a first month does (its month row rewritten, its old claim
retired, a successor claim with its lines, a withdrawal ledger row and the new one), so the
two are compared with the cost of their own writes and no Python at all:

- the first close's floor: its rows (taken as COPY text just after it) written into emptied
  tables by `COPY … FROM STDIN`, as bench/copy_floor.py does;
- the re-close's floor: from that state, the same statements the re-close sends, with its
  values: the changed month rows by COPY into a temporary table and one `UPDATE … FROM` it
  (bulk.update_rows), the other changed rows (the retired claims, the month close's row) by
  one `UPDATE … WHERE id IN (…)` per set of new values (settle._set_claims), and its new rows
  (claims, lines, ledger) by COPY.

Both run with the tables' indexes, triggers and foreign keys, checked as each statement ends
(`SET CONSTRAINTS ALL IMMEDIATE`, as the close), COMMIT timed. A round replays the first close
and then the re-close; afterwards every table must hold exactly the re-close's rows, byte for
byte, or the benchmark fails. New rows go with their ids (the close lets the sequence number
lines and ledger rows): the same for both floors.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from copy_floor import _in_reference_order

Rows = dict[str, dict[int, bytes]]  # table -> id -> its line of COPY text


@dataclass
class Floors:
    first: float  # seconds: the first close's rows into empty tables, COMMIT included
    reclose: float  # seconds: the re-close's statements from the first close's state
    first_rows: int
    reclose_rows: dict[str, tuple[int, int]]  # table -> (rows updated, rows inserted)
    reclose_parts: dict[str, float]  # "table update" / "table copy" -> seconds (COMMIT apart)


def snapshot(url: str, tables: Sequence[str]) -> Rows:
    """Every row of TABLES as COPY text, by id."""
    found: Rows = {}
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for table in tables:
            with cur.copy(f'COPY (SELECT * FROM "{table}" ORDER BY id) TO STDOUT') as out:
                body = b"".join(bytes(block) for block in out)
            found[table] = {int(line.split(b"\t", 1)[0]): line for line in body.splitlines()}
    return found


def _columns(cur: Any, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [table],
    )
    return list(cur.fetchall())


def _value(text: bytes) -> str | None:
    if text == b"\\N":
        return None
    if b"\\" in text:
        raise RuntimeError("an escaped value in a plain UPDATE: not written by this floor")
    return text.decode()


def _copy_in(cur: Any, table: str, lines: list[bytes], columns: str = "") -> None:
    body = b"".join(line + b"\n" for line in lines)
    with cur.copy(f'COPY "{table}"{columns} FROM STDIN') as into:
        for at in range(0, len(body), 1 << 20):
            into.write(body[at : at + (1 << 20)])


def _reclose(
    cur: Any,
    order: list[str],
    first: Rows,
    then: Rows,
    rewritten: dict[str, Sequence[str]],
    parts: dict[str, float],
) -> dict[str, tuple[int, int]]:
    """Send the re-close's writes (FIRST's state to THEN's); returns what each table got and
    PARTS, the seconds of each table's update and copy."""
    done = {}
    for table in order:
        started = time.perf_counter()
        old, new = first[table], then[table]
        if set(old) - set(new):
            raise RuntimeError(f"{table}: the re-close deleted rows; this floor does not")
        added = [new[pk] for pk in sorted(set(new) - set(old))]
        changed = sorted(pk for pk in old if new[pk] != old[pk])
        columns = _columns(cur, table)
        if (
            changed and table in rewritten
        ):  # bulk.update_rows: COPY to a temporary table, UPDATE … FROM
            names = list(rewritten[table])
            at = [i for i, (name, _) in enumerate(columns) if name in names]
            listed = ", ".join(columns[i][0] for i in at)
            cur.execute(
                f'CREATE TEMPORARY TABLE ccm_update ON COMMIT DROP AS SELECT id, {listed} FROM "{table}" WITH NO DATA'
            )
            picked = []
            for pk in changed:
                values = new[pk].split(b"\t")
                picked.append(b"\t".join([values[0], *(values[i] for i in at)]))
            _copy_in(cur, "ccm_update", picked, f" (id, {listed})")
            assignments = ", ".join(f"{columns[i][0]} = u.{columns[i][0]}" for i in at)
            cur.execute(f'UPDATE "{table}" t SET {assignments} FROM ccm_update u WHERE t.id = u.id')
            cur.execute("DROP TABLE ccm_update")
        elif changed:  # settle._set_claims: one UPDATE … IN (…) per set of new values
            groups: dict[tuple[tuple[int, bytes], ...], list[int]] = {}
            for pk in changed:
                was, now = old[pk].split(b"\t"), new[pk].split(b"\t")
                moved = tuple(
                    (i, v) for i, (w, v) in enumerate(zip(was, now, strict=True)) if w != v
                )
                groups.setdefault(moved, []).append(pk)
            for moved, pks in groups.items():
                sets = ", ".join(f"{columns[i][0]} = %s::{columns[i][1]}" for i, _ in moved)
                listed = ",".join(map(str, pks))
                cur.execute(
                    f'UPDATE "{table}" SET {sets} WHERE id IN ({listed})',
                    [_value(v) for _, v in moved],
                )
        if changed:
            parts[f"{table} update"] = time.perf_counter() - started
        started = time.perf_counter()
        if added:
            _copy_in(cur, table, added)
            parts[f"{table} copy"] = time.perf_counter() - started
        if changed or added:
            done[table] = (len(changed), len(added))
    return done


def floors(
    url: str, first: Rows, then: Rows, rewritten: dict[str, Sequence[str]], rounds: int
) -> list[Floors]:
    """ROUNDS replays of FIRST (the first close's rows, into emptied tables) then THEN (the
    re-close's writes from FIRST), each timed; REWRITTEN names the tables whose changed rows
    go by `UPDATE … FROM` a temporary table, and their columns the re-close sets."""
    tables = list(first)
    measured = []
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        order = _in_reference_order(cur, tables)
        conn.commit()
        for _ in range(rounds):
            cur.execute("SET session_replication_role = replica")  # the ledger refuses emptying
            cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
            cur.execute("SET session_replication_role = DEFAULT")
            conn.commit()
            start = time.perf_counter()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in order:
                _copy_in(cur, table, list(first[table].values()))
            conn.commit()
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            parts: dict[str, float] = {}
            done = _reclose(cur, order, first, then, rewritten, parts)
            committing = time.perf_counter()
            conn.commit()
            parts["COMMIT"] = time.perf_counter() - committing
            reclose_s = time.perf_counter() - start
            if snapshot(url, tables) != then:
                raise RuntimeError("the re-close's floor did not leave the re-close's rows")
            rows = sum(len(r) for r in first.values())
            measured.append(Floors(first_s, reclose_s, rows, done, parts))
    return measured
