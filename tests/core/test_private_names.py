"""No package reaches into another's private names: `from X import _name` (or `module._name`)
only where X belongs to the importing module's own package (`ccm.rules`, `ccmweb.billing`…).

A name starting with an underscore is free to change with its module; one that another
package needs is part of an interface and is made public (or moved where it belongs).
"""

import ast
from pathlib import Path

import ccm
import ccmweb

SRC = Path(ccm.__file__).parent.parent
#: Django's model options: public API despite the underscore (docs: "Model _meta API").
PUBLIC_ANYWAY = {"_meta"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def owner(module: str) -> str:
    """The package a module belongs to: ccm.rules.month → ccm.rules, ccmweb.sql → ccmweb.sql."""
    return ".".join(module.split(".")[:2])


def crossings(source: str, module: str, is_package: bool = False) -> list[str]:
    """Private names MODULE (its SOURCE) takes from other packages of ccm and ccmweb."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[str] = []
    imported: dict[str, str] = {}  # local name → the dotted name it stands for
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                target = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{target}.{alias.name}"
            if target.split(".")[0] not in ("ccm", "ccmweb") or owner(target) == owner(module):
                continue
            names = [a.name for a in node.names if _private(a.name)]
            if any(_private(part) for part in target.split(".")):
                names.append(f"(private module {target})")
            found += [f"line {node.lineno}: from {target} import {name}" for name in names]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and node.attr not in PUBLIC_ANYWAY
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            target = imported[node.value.id]
            if target.split(".")[0] in ("ccm", "ccmweb") and owner(target) != owner(module):
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr} ({target})")
    return found


def test_no_package_imports_another_packages_private_names() -> None:
    problems = []
    for root in (Path(ccm.__file__).parent, Path(ccmweb.__file__).parent):
        for path in sorted(root.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(SRC).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            module = ".".join(parts[:-1] if is_package else parts)
            source = path.read_text(encoding="utf-8")
            problems += [f"{module}: {p}" for p in crossings(source, module, is_package)]
    assert not problems, "\n".join(problems)


def test_the_check_sees_each_way_of_reaching_in() -> None:
    source = """
from ccm.rules.month import _memo, evaluate_month
from ..billing.views import _practice
from ccm.x12._segments import split
from . import _helpers
from .views import _uploaded
from ccmweb.enrollment import facts
import ccm.rules.month as month
facts._window
month._fast
facts.Practitioner._meta
"""
    found = crossings(source, "ccmweb.imports.views")
    assert found == [
        "line 2: from ccm.rules.month import _memo",
        "line 3: from ccmweb.billing.views import _practice",
        "line 4: from ccm.x12._segments import (private module ccm.x12._segments)",
        "line 9: facts._window (ccmweb.enrollment.facts)",
        "line 10: month._fast (ccm.rules.month)",
    ]
