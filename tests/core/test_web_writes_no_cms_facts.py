"""The core owns every CMS fact: src/ccmweb writes no CPT/HCPCS code, dollar rate, minute
threshold or look-back window; it asks `ccm.rules` (DESIGN.md; issue 17).

Read from the source, not run: Python files (migrations included) through their syntax tree,
so docstrings and comments may name a code while the code itself may not; templates as text.
What counts as a CMS fact:
- a code: a string or number token that is a CPT/HCPCS code ccm knows (its code sets and fee
  tables), or any HCPCS G-code shape;
- money: a `Decimal` literal other than zero or one cent, a dollar amount in a string, a
  fraction multiplied into an amount (a rate);
- a threshold or window: a number above 1 compared with minutes, units, conditions or days,
  a number chosen by program name (`3 if program == "apcm" else 1`, `{"ccm": 20}`), a year
  (365 days) or `years_before` written out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import ccmweb
from ccm import codes
from ccm.rules.parameters import PARAMETER_DIR

WEB = Path(ccmweb.__file__).parent
PROGRAMS = {"ccm", "pcm", "apcm"}
CODE_TOKEN = re.compile(r"(?<![0-9A-Za-z#_.-])([0-9]{5}|[A-Z][0-9]{4})(?![0-9A-Za-z_])")
DOLLARS = re.compile(r"\$\s?[1-9]|(?<![0-9.])(?:[1-9][0-9]*|0)\.[0-9]{2}(?![0-9.])")
MEASURED = re.compile(
    r"minute|counted|worked|logged|threshold|units|conditions|days|lookback", re.I
)
ZERO_OR_CENT = {"0", "0.0", "0.00", "0.01"}
#: Names that announce a CMS figure when a number is assigned to them (a pace courtesy such as
#: PACE_SLACK_MINUTES, or a sanity bound such as MAX_MINUTES, is not one).
FACT_NAME = re.compile(r"MONTHS|YEARS|LOOKBACK|WINDOW|THRESHOLD|RATE|BASE_MINUTES|MINUTES_NEEDED")


def known_codes() -> frozenset[str]:
    """Every CPT/HCPCS code the core knows: its code sets and its fee tables."""
    found = {
        c.code
        for name in dir(codes)
        if isinstance(code_set := getattr(codes, name), codes.CodeSet)
        for c in code_set
        if c.system in ("CPT", "HCPCS")
    }
    for table in PARAMETER_DIR.glob("rvu_*.csv"):
        found |= {line.split(",")[0] for line in table.read_text().splitlines()[1:]}
    return frozenset(found)


KNOWN = known_codes()


def is_code(token: str) -> bool:
    return token in KNOWN or (token[0] == "G" and token[1:].isdigit())


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def python_leaks(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for every CMS fact written in a Python source."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and id(node) not in docs:
            if isinstance(node.value, str):
                for token in CODE_TOKEN.findall(node.value):
                    if is_code(token):
                        yield line, f"code {token}"
                if DOLLARS.search(node.value) and node.value.strip() not in ZERO_OR_CENT:
                    yield line, f"dollar amount in {node.value[:40]!r}"
            elif type(node.value) is int and str(node.value) in KNOWN:
                yield line, f"code {node.value}"
            elif type(node.value) is int and node.value in (365, 366):
                yield line, "a year written as days"
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            first = node.args[0] if node.args else None
            if name == "Decimal" and isinstance(first, ast.Constant):
                if str(first.value) not in ZERO_OR_CENT:
                    yield line, f"Decimal({first.value!r})"
            elif name == "years_before":
                yield line, "a look-back in years"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for side in (node.left, node.right):
                number = _number(side)
                if number is not None and 0 < number < 1:
                    yield line, f"a rate {number} multiplied in"
        elif isinstance(node, ast.Compare):
            text = ast.unparse(node)
            numbers = [_number(n) for n in (node.left, *node.comparators)]
            if MEASURED.search(text) and any(n is not None and n > 1 for n in numbers):
                yield line, f"threshold in {text[:60]!r}"
        elif isinstance(node, ast.Assign) and (_number(node.value) or 0) > 1:
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(FACT_NAME.search(name) for name in names):
                yield line, f"a figure named {names[0]}"
        elif isinstance(node, ast.IfExp):
            test = ast.unparse(node.test)
            branches = (_number(node.body), _number(node.orelse))
            if any(f"'{p}'" in test for p in PROGRAMS) and any(n is not None for n in branches):
                yield line, f"a number by program in {ast.unparse(node)[:60]!r}"
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & PROGRAMS and any(_number(v) is not None for v in node.values):
                yield line, "a number by program"


def template_leaks(text: str) -> Iterator[tuple[int, str]]:
    """(line, what) for codes, dollar amounts and minute counts written in a template."""
    for number, line in enumerate(text.splitlines(), 1):
        for token in CODE_TOKEN.findall(line):
            if is_code(token):
                yield number, f"code {token}"
        if re.search(r"\$\s?[1-9]", line):
            yield number, "dollar amount"
        if re.search(r"(?<![{\w])[1-9][0-9]*\s*(?:min\b|minutes)", line):
            yield number, "minutes"


def all_leaks() -> list[str]:
    found = []
    for path in sorted(WEB.rglob("*")):
        if path.suffix == ".py":
            leaks = python_leaks(path.read_text(encoding="utf-8"))
        elif path.suffix in (".html", ".txt"):
            leaks = template_leaks(path.read_text(encoding="utf-8"))
        else:
            continue
        found += [f"{path.relative_to(WEB)}:{line}: {what}" for line, what in leaks]
    return found


def test_the_web_layer_writes_no_cms_code_rate_threshold_or_window() -> None:
    assert all_leaks() == [], "ask ccm.rules (month_policy, month_verdict) instead"


@pytest.mark.parametrize(
    "source",
    [
        'BASE_CODE = {"ccm": "99490", "pcm": "99426"}',
        'LEVEL = "G0557"',
        "RANGE = range(90951, 90971)",
        'RATE = Decimal("0.20")',
        "owed = total * 0.2",
        'HELP = "e.g. {\\"code\\": \\"80.00\\"}"',
        'BASE_MINUTES = {"ccm": 20, "pcm": 30}',
        "held = worked >= 20",
        "ok = len(conditions) >= 2",
        'years = 3 if program == "apcm" else 1',
        "window = dt.timedelta(days=365)",
        "since = years_before(consent, 1)",
        "ELSEWHERE_MONTHS = 3",
    ],
)
def test_each_kind_of_copy_is_found(source: str) -> None:
    assert list(python_leaks(source))


@pytest.mark.parametrize(
    "source",
    [
        '"""Worklist rows: 99490 at 20 minutes is the first code (a docstring may explain)."""',
        'ZERO = Decimal("0.00")',
        'CENT = Decimal("0.01")',
        "BATCH = 10_000",
        'postal_code = "94110"',
        "if attempts >= 3: pass",
        'program = "ccm"',
        "done = minutes >= policy.base_unit(program).minutes",
    ],
)
def test_what_is_not_a_cms_fact_passes(source: str) -> None:
    assert not list(python_leaks(source))


def test_templates_are_read_too() -> None:
    assert list(template_leaks("<td>99490 needs 20 min</td>"))
    assert list(template_leaks("<td>$66.13</td>"))
    assert not list(template_leaks("<td>{{ row.counted }} min, {{ row.next_code }}</td>"))
