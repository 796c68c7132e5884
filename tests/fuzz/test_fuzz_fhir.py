"""Fuzz suites of the FHIR readers and mappers: Bundles and single resources (JSON, plain or
gzip) and bulk NDJSON, from real samples mutated. Each input ends in a clear error or in
records a database can store; valid inputs read exactly as orjson reads them."""

import datetime
import math
from dataclasses import fields, is_dataclass
from decimal import Decimal

import orjson
from fuzzing import fuzz, mutated
from hypothesis import given, settings
from hypothesis import strategies as st
from seeds import json_seeds, ndjson_seeds

from ccm.fhir import KEPT_TYPES, Rejected, map_resource, read_file
from ccm.reading import InputError, has_nul

TODAY = datetime.date(2026, 7, 1)


def storable(value: object, where: str = "record") -> None:
    """VALUE (a record, or what it holds) is something the database takes as it is."""
    if isinstance(value, str):
        assert "\x00" not in value, f"{where}: a NUL"
        value.encode("utf-8")  # a lone surrogate raises: PostgreSQL would refuse it
    elif isinstance(value, Decimal):
        assert value.is_finite() and abs(value.adjusted()) < 19, f"{where}: {value!r}"
    elif isinstance(value, float):
        assert math.isfinite(value), where
    elif isinstance(value, tuple | list):
        for item in value:
            storable(item, where)
    elif is_dataclass(value):
        for field in fields(value):
            storable(getattr(value, field.name), f"{where}.{field.name}")


def read_and_map(path, label):  # type: ignore[no-untyped-def]
    """Every item of PATH mapped; the property's checks on each. InputError is a clear end."""
    try:
        items = list(read_file(path, keep=KEPT_TYPES))
    except InputError as error:
        assert str(error).startswith(label) and error.message
        return []
    for item in items:
        assert item.source.startswith(label)
        if item.resource is None:
            assert item.error or item.skipped_type
            continue
        assert isinstance(item.resource, dict) and not has_nul(item.resource)
        try:
            record = map_resource(item.resource, TODAY)
        except Rejected as rejected:
            assert str(rejected)
            continue
        storable(record)
    return items


@fuzz("FHIR JSON", mutated(json_seeds(), gzipped=True))
def test_fuzz_fhir_json(scratch, data):  # type: ignore[no-untyped-def]
    path = scratch / "bundle.json"
    path.write_bytes(data)
    read_and_map(path, "bundle.json")


@fuzz("FHIR NDJSON", mutated(ndjson_seeds(), gzipped=True))
def test_fuzz_fhir_ndjson(scratch, data):  # type: ignore[no-untyped-def]
    path = scratch / "export.ndjson"
    path.write_bytes(data)
    read_and_map(path, "export.ndjson")


def _canonical(resources):  # type: ignore[no-untyped-def]
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in resources)


def test_every_seed_reads_as_orjson_reads_it(scratch):  # type: ignore[no-untyped-def]
    """The correct result: a valid file's resources, each once, as they were written (a
    transaction entry without an id takes its fullUrl's uuid)."""
    for number, seed in enumerate(json_seeds()):
        path = scratch / f"seed{number}.json"
        path.write_bytes(seed)
        value = orjson.loads(seed)
        expected = [value]
        if value.get("resourceType") == "Bundle":
            expected = []
            for entry in value.get("entry", []):
                resource = entry["resource"]
                if "id" not in resource and entry.get("fullUrl", "").startswith("urn:uuid:"):
                    resource = {**resource, "id": entry["fullUrl"][len("urn:uuid:") :]}
                expected.append(resource)
        items = list(read_file(path))
        assert [i.error for i in items if i.error] == []
        assert _canonical(i.resource for i in items) == _canonical(expected)


_json_leaf = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


# 200 in CI's thorough profile, the profile's 50 in a developer's run (tests/conftest.py):
# ~36 ms an example, nearly all of it hypothesis building the nested objects
@settings(max_examples=min(200, settings.default.max_examples), deadline=None, database=None)
@given(st.lists(st.dictionaries(st.text(max_size=8), _json, max_size=5), min_size=1, max_size=5))
def test_ndjson_of_any_objects_reads_back_exactly(scratch, resources):  # type: ignore[no-untyped-def]
    """The correct result for NDJSON: any objects, one a line, read back equal and in order,
    except those holding a NUL, refused at their own line."""
    path = scratch / "any.ndjson"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in resources))
    items = list(read_file(path))
    assert [i.source for i in items] == [f"any.ndjson:{n}" for n in range(1, len(resources) + 1)]
    for item, resource in zip(items, resources, strict=True):
        if has_nul(resource):
            assert item.resource is None and "NUL" in item.error
        else:
            assert item.resource == resource
