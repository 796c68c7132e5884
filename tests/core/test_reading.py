"""The bounded reading layer (ccm.reading) on hostile files: bombs, corrupt gzip, overlong lines,
deep nesting, NUL characters, numbers with exponents. Each test here failed on the readers
before the layer: they read whole files, let zlib.error out and took any number Decimal took."""

import gzip
import tracemalloc
import zlib
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccm.fhir import read_file
from ccm.reading import (
    MIB,
    InputError,
    JsonRefused,
    Limits,
    NumberError,
    json_decimal,
    loads_bounded,
    open_input,
    parse_decimal,
    parse_whole,
    text_lines,
)
from ccm.reading.jsonvalues import has_nul, shallow_text, too_deep


def gzip_bomb(path, expanded_mib: int, chunk: bytes = b"\0" * MIB) -> None:
    """A gzip file of EXPANDED_MIB MiB of CHUNK repeated: one member compressed once, written
    that many times (gzip readers read concatenated members as one stream), in milliseconds."""
    member = gzip.compress(chunk, compresslevel=9)
    with path.open("wb") as out:
        for _ in range(expanded_mib):
            out.write(member)


def test_a_json_gz_bomb_of_2_gib_is_refused_with_bounded_memory(tmp_path):
    bomb = tmp_path / "bundle.json.gz"
    gzip_bomb(bomb, 2048)  # 2 GiB once decompressed
    assert bomb.stat().st_size < 3 * MIB
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as refused:
            list(read_file(bomb))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "bundle.json.gz" in str(refused.value)
    assert "expands more than 200 times" in str(refused.value)
    assert peak < 64 * MIB  # the old reader held the whole 2 GiB (4.25 GB of process memory)


def test_a_bomb_of_plausible_json_meets_the_document_bound(tmp_path):
    bomb = tmp_path / "bundle.json.gz"
    gzip_bomb(bomb, 40, b'{"resourceType":"Patient","id":"x"},' * 30000)
    with pytest.raises(
        InputError, match="larger than 16 MiB once decompressed, the limit for a document"
    ):
        list(read_file(bomb, limits=Limits(document_bytes=16 * MIB)))


def test_an_ndjson_bomb_meets_the_file_bound_and_its_one_endless_line_is_never_held(tmp_path):
    bomb = tmp_path / "Patient.ndjson.gz"
    gzip_bomb(bomb, 64, b"x" * MIB)
    limits = Limits(file_bytes=32 * MIB, line_bytes=MIB, expansion=10**6)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"Patient.ndjson.gz:1: larger than 32 MiB"):
            list(read_file(bomb, limits=limits))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


def _valid_gzip(tmp_path, name="Patient.ndjson.gz"):
    lines = b"".join(
        orjson.dumps({"resourceType": "Patient", "id": f"p{i}", "birthDate": "1950-01-01"}) + b"\n"
        for i in range(2000)
    )
    path = tmp_path / name
    path.write_bytes(gzip.compress(lines))
    return path


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:20] + bytes(b ^ 0x55 for b in data[20:60]) + data[60:],  # bad deflate
        lambda data: data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:],  # bad CRC
        lambda data: data[:3] + b"\xff" + data[4:],  # bad header flags
    ],
)
def test_a_corrupt_gzip_is_the_readers_own_error_never_zlib_error(tmp_path, damage):
    path = _valid_gzip(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(InputError) as refused:
        list(read_file(path))
    assert str(refused.value).startswith("Patient.ndjson.gz:")
    assert "gzip" in str(refused.value)
    assert not isinstance(refused.value.__cause__, zlib.error)


def test_a_corrupt_json_gz_bundle_is_refused_by_name(tmp_path):
    path = tmp_path / "bundle.json.gz"
    path.write_bytes(gzip.compress(b'{"resourceType":"Bundle","entry":[]}')[:-6])
    with pytest.raises(InputError, match=r"^bundle.json.gz: not a readable gzip file"):
        list(read_file(path))


def test_an_overlong_ndjson_line_is_one_rejection_and_the_next_line_is_read(tmp_path):
    path = tmp_path / "Patient.ndjson"
    long_line = orjson.dumps({"resourceType": "Patient", "id": "big", "text": "x" * 5000})
    path.write_bytes(
        b'{"resourceType":"Patient","id":"a"}\n'
        + long_line
        + b'\n{"resourceType":"Patient","id":"b"}\n'
    )
    items = list(read_file(path, limits=Limits(line_bytes=1000)))
    assert [(i.source, i.error) for i in items] == [
        ("Patient.ndjson:1", None),
        ("Patient.ndjson:2", "line longer than 1,000 bytes, the limit for one line"),
        ("Patient.ndjson:3", None),
    ]


def test_a_nul_character_refuses_its_own_line_only(tmp_path):
    path = tmp_path / "Patient.ndjson"
    path.write_bytes(
        b'{"resourceType":"Patient","id":"a","name":[{"family":"Ro\\u0000e"}]}\n'
        b'{"resourceType":"Patient","id":"b","name":[{"family":"Roe \\\\u0000 is text"}]}\n'
    )
    items = list(read_file(path))
    assert items[0].error == "contains a NUL character (\\u0000), which cannot be stored"
    assert items[1].error is None and items[1].resource["id"] == "b"


def test_nesting_past_the_bound_is_refused_and_fhir_depth_is_far_below_it(tmp_path):
    deep = b'{"resourceType":"Patient","id":"a","x":' + b"[" * 70 + b"]" * 70 + b"}"
    with pytest.raises(JsonRefused, match="nested deeper than 64 levels"):
        loads_bounded(deep)
    assert loads_bounded(deep, Limits(depth=100))["id"] == "a"
    flat_but_many = orjson.dumps({"resourceType": "Bundle", "entry": [{"a": [1]}] * 500})
    assert len(loads_bounded(flat_but_many)["entry"]) == 500


def test_nesting_is_judged_by_structure_not_by_brackets_in_strings_or_siblings():
    many_siblings = {"resourceType": "Claim", "item": [{"a": [{"b": 1}]}] * 100}
    assert loads_bounded(orjson.dumps(many_siblings))["item"][99] == {"a": [{"b": 1}]}
    in_strings = {"id": '\\"' + "[{" * 70, "note": "\\", "x": [["]]"]]}
    assert loads_bounded(orjson.dumps(in_strings)) == in_strings
    nested: object = 1
    for _ in range(6):
        nested = [nested]
    deep_among_siblings = orjson.dumps({"item": [[1]] * 40 + [nested]})  # 8 levels
    with pytest.raises(JsonRefused, match="nested deeper than 7 levels"):
        loads_bounded(deep_among_siblings, Limits(depth=7))
    assert loads_bounded(deep_among_siblings, Limits(depth=8))["item"][40] == nested


json_values = st.recursive(
    st.none() | st.integers(-9, 9) | st.text(alphabet='[]{}"\\ab\n'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\\\a', max_size=3), inner, max_size=4)
    ),
    max_leaves=40,
)


@given(json_values, st.integers(min_value=1, max_value=12))
def test_the_text_check_never_passes_what_the_walk_refuses(value, limit):
    raw = orjson.dumps(value)
    if shallow_text(raw, limit):
        assert not too_deep(value, limit)


@given(
    st.recursive(
        st.none() | st.integers(-9, 9) | st.text(alphabet='[]{}"\\a\x00'),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=2), inner),
        max_leaves=40,
    ),
    st.integers(min_value=1, max_value=12),
)
def test_a_line_is_refused_exactly_when_the_walks_find_it_too_deep_or_holding_a_nul(value, limit):
    """The counting pass that lets most lines through is never looser than the walks."""
    raw = orjson.dumps(value)
    refused = too_deep(value, limit) or has_nul(value)
    try:
        loads_bounded(raw, Limits(depth=limit))
    except JsonRefused:
        assert refused
    else:
        assert not refused


def test_utf16_json_is_read_and_utf16_ndjson_refused_clearly(tmp_path):
    bundle = tmp_path / "patient.json"
    bundle.write_bytes('{"resourceType":"Patient","id":"ü"}'.encode("utf-16"))
    assert [i.resource["id"] for i in read_file(bundle)] == ["ü"]
    ndjson = tmp_path / "Patient.ndjson"
    ndjson.write_bytes('{"resourceType":"Patient","id":"a"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text: NDJSON must be UTF-8"):
        list(read_file(ndjson))


def test_a_utf16_mark_before_bytes_that_are_not_utf16_is_one_clear_rejection(tmp_path):
    """make fuzz found it: a UTF-16 byte order mark before gzip bytes (an odd count, a lone
    surrogate) raised the reading layer's JsonRefused out of read_file instead of a rejection."""
    path = tmp_path / "bundle.json"
    path.write_bytes(b"\xff\xfe" + gzip.compress(b'{"resourceType":"Patient"}') + b"\x00")
    (item,) = read_file(path)
    assert item.resource is None and item.error == "not valid UTF-16 text"


def test_utf16_lines_closed_after_their_file_raise_nothing(tmp_path):
    """A caller that closes the file first (or lets both be collected in any order) gets no
    "I/O operation on closed file" out of the lines' cleanup."""
    path = tmp_path / "patients.csv"
    path.write_bytes("id\r\np1\r\n".encode("utf-16"))
    stream = open_input(path)
    lines = text_lines(stream, path.name, MIB)
    assert next(lines).text == "id\r\n"
    stream.close()
    lines.close()


@pytest.mark.parametrize(
    "text,expected",
    [("12.50", "12.50"), ("-3", "-3"), (".5", "0.5"), (" 100 ", "100"), ("1.", "1")],
)
def test_decimals_as_x12_and_fhir_write_them(text, expected):
    assert parse_decimal(text, "AMT02") == Decimal(expected)


@pytest.mark.parametrize(
    "text,reason",
    [
        ("1e400", "is not a decimal number"),
        ("1E+9999999", "is not a decimal number"),
        ("NaN", "is not a decimal number"),
        ("Infinity", "is not a decimal number"),
        ("١٢", "is not a decimal number"),  # Arabic-Indic digits: Decimal() takes them
        ("", "is not a decimal number"),
        ("-", "is not a decimal number"),
        ("1" * 19, "more than 18 digits"),
        ("0." + "0" * 30 + "1", "more than 18 digits"),
    ],
)
def test_decimals_that_are_refused_name_the_field(text, reason):
    with pytest.raises(NumberError, match=f"^CAS03: .*{reason}"):
        parse_decimal(text, "CAS03")


def test_whole_numbers_and_json_numbers_are_bounded_too():
    assert parse_whole("3.0", "SVC05") == 3
    with pytest.raises(NumberError, match="SVC05: '2.5' is not a whole number"):
        parse_whole("2.5", "SVC05")
    assert json_decimal(12.5, "Quantity.value") == Decimal("12.5")
    assert json_decimal("7", "Quantity.value") == 7
    for bad in (1e300, float("inf"), True, None, "1e5"):
        with pytest.raises(NumberError, match="^Quantity.value: "):
            json_decimal(bad, "Quantity.value")


def test_in_a_bundle_a_nul_or_deep_nesting_refuses_that_entry_only(tmp_path):
    entries = [
        {"resource": {"resourceType": "Patient", "id": "a", "name": [{"family": "Ro\x00e"}]}},
        {"resource": {"resourceType": "Patient", "id": "b", "x": [[[[[[1]]]]]]}},
        {"resource": {"resourceType": "Patient", "id": "c"}},
    ]
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps({"resourceType": "Bundle", "entry": entries}))
    items = list(read_file(path, limits=Limits(depth=5)))
    assert [(i.source, i.error) for i in items] == [
        ("bundle.json#0", "contains a NUL character (\\u0000), which cannot be stored"),
        ("bundle.json#1", "nested deeper than 5 levels"),
        ("bundle.json#2", None),
    ]
