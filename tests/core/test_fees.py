"""Fee schedule: CMS files read by header names, formula per cms-rules §1b, clear errors."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ccm.rules.fees import (
    FeeSchedule,
    MissingGpci,
    UnknownCode,
    UnknownLocality,
    WrongYear,
    check_year,
    load_cms_files,
    loaded_years,
    read_cms_gpci,
    read_cms_rvu,
    read_locality_table,
)
from ccm.rules.parameters import parameter

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RVU25 = DATA / "cms_pfs_rvu25d" / "PPRRVU2025_Oct_care_mgmt_rows.csv"
RVU26 = DATA / "cms_pfs_rvu26c" / "PPRRVU2026_Jul_nonQPP_care_mgmt_rows.csv"
GPCI25 = DATA / "cms_pfs_rvu25d" / "GPCI2025.csv"
needs_data = pytest.mark.skipif(not RVU25.exists(), reason=f"no CMS files under {DATA}")

# cms-rules §1b national non-facility table, copied by hand.
NATIONAL = {
    2025: {
        "99490": "60.49",
        "99439": "45.93",
        "99487": "131.65",
        "99489": "70.52",
        "99491": "82.16",
        "99437": "57.58",
        "99424": "80.87",
        "99425": "58.87",
        "99426": "61.78",
        "99427": "50.46",
        "G0506": "60.81",
        "G0556": "15.20",
        "G0557": "48.84",
        "G0558": "107.07",
        "99495": "201.20",
        "99496": "272.68",
        "99484": "53.05",
        "99457": "47.87",
        "99458": "38.49",
    },
    2026: {
        "99490": "66.13",
        "99439": "50.44",
        "99487": "144.29",
        "99489": "78.16",
        "99491": "89.18",
        "99437": "63.13",
        "99424": "87.51",
        "99425": "61.46",
        "99426": "67.80",
        "99427": "54.11",
        "G0506": "66.47",
        "G0556": "16.37",
        "G0557": "53.78",
        "G0558": "117.24",
        "99495": "220.11",
        "99496": "298.60",
        "99484": "57.45",
        "99457": "51.77",
        "99458": "41.42",
        "99470": "26.05",
        "G0568": "161.66",
        "G0569": "145.96",
        "G0570": "57.78",
    },
}
QP_2026 = {
    "99490": "66.46",
    "99487": "145.01",
    "G0558": "117.82",
    "G0570": "58.07",
    "99470": "26.18",
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_built_in_national_amounts_match_the_spec_table(year: int) -> None:
    schedule = FeeSchedule.load()
    for code, amount in NATIONAL[year].items():
        assert Decimal(schedule.unit_cents(year, code, None, False)) / 100 == Decimal(amount), code


def test_qualifying_apm_2026() -> None:
    schedule = FeeSchedule.load()
    for code, amount in QP_2026.items():
        assert Decimal(schedule.unit_cents(2026, code, None, True)) / 100 == Decimal(amount), code


def test_conversion_factors_agree_with_parameters() -> None:
    schedule = FeeSchedule.load()
    cf = parameter("conversion_factor")
    for year in (2025, 2026):
        assert schedule.conversion_factor(year, False) == Decimal(
            str(cf.on(__import__("datetime").date(year, 6, 1)))
        )


def test_unknown_code_and_locality_are_errors() -> None:
    schedule = FeeSchedule.load()
    with pytest.raises(UnknownCode):
        schedule.unit_cents(2026, "12345", None, False)
    with pytest.raises(UnknownLocality, match="0000000"):
        schedule.unit_cents(2025, "99490", "0000000", False)
    with pytest.raises(MissingGpci, match="ccm fees load --year 2026"):
        schedule.unit_cents(2026, "99490", "0111205", False)


@needs_data
def test_both_cms_layouts_are_read_by_header_names() -> None:
    rows25, cf25 = read_cms_rvu(RVU25)
    rows26, cf26 = read_cms_rvu(RVU26)  # 2026 has PRIC IND after TEAM SURG
    assert cf25 == Decimal("32.3465") and cf26 == Decimal("33.4009")
    assert (rows25["99490"].work, rows25["99490"].pe_nonfacility, rows25["99490"].mp) == (
        Decimal("1.00"),
        Decimal("0.81"),
        Decimal("0.06"),
    )
    assert (rows26["99491"].work, rows26["99491"].pe_nonfacility, rows26["99491"].mp) == (
        Decimal("1.50"),
        Decimal("1.08"),
        Decimal("0.09"),
    )


@needs_data
def test_gpci_key_is_mac_plus_locality() -> None:
    gpcis = read_cms_gpci(GPCI25)
    assert gpcis["0111205"].pe == Decimal("1.419")
    assert gpcis["1011200"].mp == Decimal("0.575")
    assert len(gpcis) > 100


def _retitled(path: Path, year: int, tmp_path: Path) -> Path:
    """A stand-in for a year CMS's sample is not of: the same rows, the title naming YEAR."""
    text = path.read_text(encoding="latin-1")
    first, rest = text.split("\n", 1)
    out = tmp_path / f"standin_{year}_{path.name}"
    out.write_text(first.replace("2025", str(year)) + "\n" + rest, encoding="latin-1")
    return out


@needs_data
def test_loading_2026_gpcis_prices_a_2026_locality(tmp_path: Path) -> None:
    load_cms_files(2026, RVU26, _retitled(GPCI25, 2026, tmp_path), tmp_path)
    schedule = FeeSchedule.load(tmp_path)
    # (1.00×1.088 + 0.91×1.419 + 0.07×0.445) × 33.4009 = 80.5109 → 80.51
    assert schedule.unit_cents(2026, "99490", "0111205", False) == 8051


@needs_data
def test_a_file_of_another_year_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(WrongYear, match="GPCI2025.csv is CMS's 2025 file, not 2026's"):
        load_cms_files(2026, RVU26, GPCI25, tmp_path / "fees")
    with pytest.raises(
        WrongYear, match="PPRRVU2026_Jul_nonQPP_care_mgmt_rows.csv is CMS's 2026 file"
    ):
        load_cms_files(2025, RVU26, GPCI25, tmp_path / "fees")
    assert not (tmp_path / "fees").exists()


def test_a_file_whose_title_names_no_year_is_refused(tmp_path: Path) -> None:
    untitled = tmp_path / "GPCI.csv"
    untitled.write_text("GEOGRAPHIC PRACTICE COST INDICES\nMAC,State,Locality Number\n")
    with pytest.raises(WrongYear, match="names no year"):
        check_year(2025, untitled)


@needs_data
def test_localities_come_with_their_state_and_counties(tmp_path: Path) -> None:
    load_cms_files(2025, RVU25, GPCI25, tmp_path, DATA / "cms_pfs_rvu25d" / "25LOCCO.csv")
    localities = {loc.key: loc for loc in read_locality_table(tmp_path / "localities_2025.csv")}
    assert len(localities) > 100
    fresno = localities["0111256"]
    assert (fresno.state, fresno.name, fresno.counties) == ("CA", "FRESNO", "FRESNO")
    assert "BROWARD" in localities["0910203"].counties
    assert loaded_years(tmp_path) == {2025: ["gpci", "localities", "rvu"]}


@needs_data
def test_fees_load_command_writes_per_year_files(tmp_path: Path) -> None:
    def load(year: str, gpci: Path) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "ccm.rules.command",
                "fees",
                "load",
                "--year",
                year,
                "--rvu",
                str(RVU26),
                "--gpci",
                str(gpci),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            check=False,
        )

    refused = load("2026", GPCI25)
    assert refused.returncode == 2
    assert b"GPCI2025.csv is CMS's 2025 file, not 2026's" in refused.stderr
    proc = load("2026", _retitled(GPCI25, 2026, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fees" / "rvu_2026.csv").exists()
    assert (tmp_path / "fees" / "gpci_2026.csv").read_text().startswith("# source: CMS standin_")


def test_a_cms_file_with_a_field_past_the_bounds_is_a_fee_schedule_error(tmp_path):
    from ccm.rules.fees import FeeScheduleError, read_cms_rvu

    path = tmp_path / "PPRRVU25.csv"
    path.write_bytes(b"HCPCS,MOD,DESCRIPTION\n99490,," + b"x" * 200_000 + b'"\n')
    with pytest.raises(FeeScheduleError, match=r"PPRRVU25.csv"):
        read_cms_rvu(path)  # a csv.Error (field larger than field limit) escaped before
