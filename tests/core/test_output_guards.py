"""Guards on what ccm writes out, over the whole source tree, so a new export or PDF cannot
slip past the rules of docs/security.md ("What ccm writes out"): every CSV through
ccm.csvout's SafeWriter, every PDF through ccmweb/pdf.py's fetcher, every template value
inside a <style> element through css_string."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_csv_the_app_writes_goes_through_the_safe_writer():
    raw = re.compile(r"csv\.(writer|DictWriter)\(")
    found = [
        str(path.relative_to(SRC))
        for path in _python_files()
        if path.name != "csvout.py" and raw.search(path.read_text())
    ]
    assert found == [], f"write CSV with ccm.csvout.SafeWriter (OWASP's rule), not csv: {found}"


def test_only_ccmweb_pdf_renders_with_weasyprint():
    found = [
        str(path.relative_to(SRC))
        for path in _python_files()
        if path != SRC / "ccmweb" / "pdf.py"
        and re.search(r"^\s*(from weasyprint|import weasyprint)", path.read_text(), re.M)
    ]
    assert found == [], f"render PDFs with ccmweb.pdf.render_pdf (our static files only): {found}"


def test_template_values_inside_style_elements_are_escaped_for_css():
    style = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
    value = re.compile(r"\{\{(.*?)\}\}")
    unescaped = [
        f"{path.relative_to(SRC)}: {{{{{expression.strip()}}}}}"
        for path in sorted(SRC.rglob("*.html"))
        for block in style.findall(path.read_text())
        for expression in value.findall(block)
        if "|css_string" not in expression.replace(" ", "")
    ]
    assert unescaped == [], f"values in CSS need |css_string: {unescaped}"
