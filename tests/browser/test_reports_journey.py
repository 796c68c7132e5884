"""An administrator opens each report, filters by practice and month, downloads its CSV and
PDF, sets a client contract and downloads the invoice. The PDFs' first pages are rendered to
PNG with poppler's pdftoppm (docs/img/report-*-pdf.png beside the screenshots, when
CCM_SCREENSHOTS=1); the figures are the hand-counted population of tests/web/test_reports.py."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import expect
from tests.web.test_reports import build_population

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def _pdf_pages(pdf: Path, name: str, tmp_path: Path) -> None:
    """The PDF's first page as PNG: in docs/img with CCM_SCREENSHOTS=1, else in TMP_PATH."""
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        return  # poppler-utils not installed: the PDF was still checked above
    out = (DOCS_IMG if os.getenv("CCM_SCREENSHOTS") == "1" else tmp_path) / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
        check=True,
    )
    assert out.with_suffix(".png").stat().st_size > 1000


def test_each_report_filters_and_downloads(page, live_server, cast, log_in, screenshot, tmp_path):
    acme = build_population(cast)
    log_in(page, live_server, acme.admin.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    filters = page.locator("#report-filters")
    filters.get_by_label("Practice").select_option(label=acme.north.name)
    filters.get_by_label("Month", exact=True).fill("2026-03")
    filters.get_by_label("Months shown").select_option("6")
    filters.get_by_role("button", name="Show").click()
    expect(page.locator("#headline")).to_contain_text("Enrolled")

    for tab, table, shown in (
        ("Program", "#funnel", "66.7%"),
        ("Revenue", "#money", "160.00"),
        ("Coordinators", "#coordinators", "21.0"),
        ("Clinical outcomes", "#outcomes", "< 11"),
    ):
        page.get_by_role("navigation", name="Reports").get_by_role("link", name=tab).click()
        expect(page.locator(table)).to_contain_text(shown)
        assert "month=2026-03" in page.url and str(acme.north.uid) in page.url
        screenshot(page, f"report-{tab.split()[0].lower()}")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
        assert rows[0][:2] == [tab, acme.north.name]
        alt = page.locator("figure.chart img").first
        if alt.count():
            assert "table below" in (alt.get_attribute("alt") or "")  # a text alternative
        with page.expect_download() as download:
            page.get_by_role("link", name="Download PDF").click()
        _pdf_pages(download.value.path(), f"report-{tab.split()[0].lower()}-pdf", tmp_path)

    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Service company"
    ).click()
    row = page.locator("#contracts tbody tr", has_text=acme.north.name)
    row.get_by_label("Model").select_option("percent")
    row.get_by_label("Rate").fill("20")
    row.get_by_label("Hourly cost").fill("30")
    row.get_by_role("button", name="Save contract").click()
    expect(page.locator("#statements")).to_contain_text("9.60")  # 20% of the 48.00 paid
    screenshot(page, "report-company")
    with page.expect_download() as download:
        page.locator("#contracts tbody tr", has_text=acme.north.name).get_by_role(
            "link", name="Invoice 2026-03 (PDF)"
        ).click()
    _pdf_pages(download.value.path(), "report-invoice-pdf", tmp_path)
