"""Practice filtering has one place: `ccmweb.tenants.http.in_practices` (issue 17). A view that
writes `practice_id__in=request.practice_ids` itself is one more copy of the tenancy rule that
a change to it (a practice chosen in the header, an archived one) could miss."""

import ast
from pathlib import Path

import ccmweb

WEB = Path(ccmweb.__file__).parent
HELPER = WEB / "tenants" / "http.py"


def practice_id_filters(tree: ast.AST) -> list[int]:
    """Lines of keyword arguments `…__in=<anything>.practice_ids`."""
    return [
        node.value.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword)
        and (node.arg or "").endswith("__in")
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "practice_ids"
    ]


def test_only_in_practices_filters_by_the_members_practices():
    found = {
        f"{path.relative_to(WEB)}:{line}"
        for path in WEB.rglob("*.py")
        if path != HELPER
        for line in practice_id_filters(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not found, f"filter with ccmweb.tenants.http.in_practices instead: {sorted(found)}"


def test_the_check_sees_such_a_filter():
    tree = ast.parse("rows = Claim.objects.filter(practice_id__in=request.practice_ids)")
    assert practice_id_filters(tree) == [1]
    assert practice_id_filters(ast.parse(HELPER.read_text(encoding="utf-8")))  # the helper's own
