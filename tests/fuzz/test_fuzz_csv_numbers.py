"""Fuzz suites of the CSV layout reader and the decimal parser: real rows mutated, and any
text as a number. A clear error or a correct result, never another exception or a hang."""

import contextlib
import datetime
import gzip
import re
from decimal import Decimal

from fuzzing import fuzz, mutated
from hypothesis import given, settings
from hypothesis import strategies as st
from seeds import csv_seeds
from test_fuzz_fhir import storable

from ccm.csvio import read_csv
from ccm.reading import InputError, NumberError, parse_decimal

TODAY = datetime.date(2026, 7, 1)
_ALL_CSV = [seed for seeds in csv_seeds().values() for seed in seeds]
_SOURCE = re.compile(r"(patients|conditions|visits|coverage)\.csv(\.gz)?:(\d+)")


@fuzz(
    "CSV layout", st.tuples(st.sampled_from(sorted(csv_seeds())), mutated(_ALL_CSV, gzipped=True))
)
def test_fuzz_csv_layout(scratch, data):  # type: ignore[no-untyped-def]
    kind, body = data
    folder = scratch / "csv"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / f"{kind}.csv").write_bytes(body)
    text = body
    if body.startswith(b"\x1f\x8b"):
        with contextlib.suppress(Exception):  # a damaged one: the reader must say so
            text = gzip.decompress(body)
    lines = text.count(b"\n") + text.count(b"\r") + 1  # an upper bound on any reading's lines
    try:
        items = list(read_csv([folder], TODAY))
    except InputError as error:
        assert str(error).startswith(f"{kind}.csv") and error.message
        return
    for item in items:
        assert (item.record is None) != (item.error is None)
        match = _SOURCE.fullmatch(item.source)
        if match:
            assert 2 <= int(match.group(3)) <= lines
        else:
            assert item.source == f"{kind}.csv" and item.error  # a file-level rejection
        storable(item.record)


_NUMBERS = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[ +-]?[0-9]{0,25}(\.[0-9]{0,25})?([eE][+-]?[0-9]{1,9})? ?\Z"),
    st.sampled_from(["NaN", "sNaN", "Infinity", "-inf", "1e400", "1E+9999999", "١٢", "1_000"]),
)


@fuzz("decimal", _NUMBERS)
def test_fuzz_decimal(data):  # type: ignore[no-untyped-def]
    try:
        number = parse_decimal(data, "AMT02")
    except NumberError as error:
        assert str(error).startswith("AMT02: ")
        return
    assert number.is_finite() and "e" not in data.lower()
    assert len(number.as_tuple().digits) <= 18
    assert number == Decimal(data.strip())


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**15, min_value=-(10**15)
    )
)
def test_any_amount_written_plainly_reads_back_equal(amount):  # type: ignore[no-untyped-def]
    assert parse_decimal(f"{amount:f}", "AMT02") == amount
