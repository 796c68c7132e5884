"""What the docs and the code cite resolves inside the repository: every `cms-rules §N` names
a section of docs/spec/cms-rules.md, and every relative link in the docs names a file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "spec" / "cms-rules.md"


def sections() -> set[str]:
    """'1', '1a', '12'… from the spec's '## 1.' and '### 1a.' headings."""
    found = re.findall(r"^#{2,3} (\d+[a-z]?)\.", SPEC.read_text(), flags=re.MULTILINE)
    return set(found)


def citations() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for section in re.findall(r"cms-rules(?:\.md)?,? §\s?(\d+[a-z]?)", text):
            cited.setdefault(section, set()).add(str(path.relative_to(ROOT)))
    return cited


def test_every_cited_rules_section_is_in_the_repository() -> None:
    cited = citations()
    assert len(cited) > 8, cited
    missing = {section: files for section, files in cited.items() if section not in sections()}
    assert not missing, f"cited sections absent from docs/spec/cms-rules.md: {missing}"


def test_every_relative_link_in_the_docs_names_a_file() -> None:
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links {target}"
