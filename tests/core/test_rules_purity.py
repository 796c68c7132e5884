"""The rules core stays pure: no Django, no settings, no clock, no environment (DESIGN.md)."""

import ast
from pathlib import Path

import ccm.rules

RULES = Path(ccm.rules.__file__).parent
FORBIDDEN_IMPORTS = {"django", "ccmweb", "os"}
FORBIDDEN_CALLS = {"now", "today", "utcnow", "getenv", "time"}


def test_rules_core_imports_no_django_and_reads_no_clock() -> None:
    for path in [*RULES.glob("*.py"), RULES.parent / "types.py", RULES.parent / "periods.py"]:
        if path.name == "command.py":  # the CLI edge may read $CCM_DATA_DIR
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_IMPORTS, path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in FORBIDDEN_IMPORTS, path
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                assert (
                    node.attr not in FORBIDDEN_CALLS
                    or not isinstance(node.value, ast.Name)
                    or node.value.id not in {"dt", "datetime", "date", "time", "os"}
                ), (path, node.attr)
