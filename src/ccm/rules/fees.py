"""Physician Fee Schedule payment per unit: RVUs × GPCIs × conversion factor (cms-rules §1b)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ccm.csvio.rows import csv_records
from ccm.csvout import SafeWriter, unquote_cell
from ccm.rules.parameters import PARAMETER_DIR, parameter

CENT = Decimal("0.01")
ONE = Decimal("1.000")


class FeeScheduleError(ValueError):
    """A fee the schedule cannot price; never answered with a silent national amount."""


class UnknownYear(FeeScheduleError):
    """No RVU file is loaded for the year."""


class UnknownLocality(FeeScheduleError):
    """The locality key is not in the year's GPCI file."""


class MissingGpci(FeeScheduleError):
    """No GPCI file is loaded for the year."""


class UnknownCode(FeeScheduleError):
    """The code has no row in the year's RVU file."""


class WrongYear(FeeScheduleError):
    """A CMS file's title names another year than the one it is loaded for."""


@dataclass(frozen=True, slots=True)
class Rvu:
    """Non-facility RVUs of one code (CMS PPRRVU columns WORK RVU, NON-FAC PE RVU, MP RVU)."""

    work: Decimal
    pe_nonfacility: Decimal
    mp: Decimal


@dataclass(frozen=True, slots=True)
class Gpci:
    """Geographic practice cost indices of one locality (CMS GPCI file)."""

    work: Decimal
    pe: Decimal
    mp: Decimal
    name: str = ""
    state: str = ""  # two letters, in CMS's own files; our tables leave it out


@dataclass(frozen=True, slots=True)
class Locality:
    """A Medicare payment locality as a practice picks it: state, name and counties (CMS)."""

    key: str  # MAC + locality number, e.g. '0111205'
    state: str
    name: str
    counties: str = ""


NATIONAL = Gpci(ONE, ONE, ONE, "national (GPCI 1.000)")


@dataclass
class FeeSchedule:
    """RVUs, conversion factors and GPCIs per year, priced in integer cents and cached."""

    rvus: dict[int, dict[str, Rvu]] = field(default_factory=dict)
    conversion_factors: dict[int, Decimal] = field(default_factory=dict)
    gpcis: dict[int, dict[str, Gpci]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    _tables: dict[tuple[int, str | None, bool], dict[str, int]] = field(default_factory=dict)
    # what evaluate_month derives from this schedule (per-month contexts, option tables), kept
    # with it so a reloaded schedule never reuses another's answers
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> FeeSchedule:
        """Built-in 2025/2026 tables, then any files a practice loaded with `ccm fees load` (cms-rules §12 item 5)."""
        schedule = cls()
        for folder in (PARAMETER_DIR, extra_dir):
            if folder is None or not folder.is_dir():
                continue
            for path in sorted(folder.glob("rvu_*.csv")):
                year = int(path.stem.split("_")[1])
                rows, factor, source = read_rvu_table(path)
                schedule.rvus[year] = rows
                schedule.conversion_factors[year] = factor
                schedule.sources[path.name] = source
            for path in sorted(folder.glob("gpci_*.csv")):
                year = int(path.stem.split("_")[1])
                gpcis, source = read_gpci_table(path)
                schedule.gpcis[year] = gpcis
                schedule.sources[path.name] = source
        return schedule

    def conversion_factor(self, year: int, qualifying_apm: bool) -> Decimal:
        """The year's factor; the qualifying-APM factor where the year has one (cms-rules §1b)."""
        if year not in self.conversion_factors:
            raise UnknownYear(
                f"no fee schedule loaded for {year}; load it with `ccm fees load --year {year} …`"
            )
        if not qualifying_apm:
            return self.conversion_factors[year]
        qp = parameter("conversion_factor_qualifying_apm")
        if not qp.has_value_in(year):
            raise UnknownYear(
                f"no qualifying-APM conversion factor for {year} in parameters/money.yaml"
            )
        return Decimal(str(qp.on(_year_end(year))))

    def gpci(self, year: int, locality: str | None) -> Gpci:
        """The locality's GPCIs; no locality means 1.000 (month-contract step 6)."""
        if locality is None:
            return NATIONAL
        if year not in self.gpcis:
            raise MissingGpci(
                f"no {year} GPCIs loaded, so locality {locality} cannot be priced; "
                f"load them with `ccm fees load --year {year} --rvu PPRRVU.csv --gpci GPCI{year}.csv`"
            )
        try:
            return self.gpcis[year][locality]
        except KeyError:
            raise UnknownLocality(
                f"locality {locality!r} is not in the {year} GPCI file (key = MAC + locality number, e.g. '0111205')"
            ) from None

    def unit_cents(self, year: int, code: str, locality: str | None, qualifying_apm: bool) -> int:
        """Payment for one unit in cents, rounded half-up (cms-rules §1b)."""
        return self.table(year, locality, qualifying_apm)(code)

    def prices(self, year: int, locality: str | None, qualifying_apm: bool) -> dict[str, int]:
        """Unit prices in cents for one year, locality and factor, computed once and cached."""
        key = (year, locality, qualifying_apm)
        prices = self._tables.get(key)
        if prices is None:
            factor = self.conversion_factor(year, qualifying_apm)
            gpci = self.gpci(year, locality)
            rvus = self.rvus[year]
            prices = {code: unit_payment_cents(rvu, gpci, factor) for code, rvu in rvus.items()}
            self._tables[key] = prices
        return prices

    def table(self, year: int, locality: str | None, qualifying_apm: bool) -> PriceTable:
        """A price lookup that names the code and year when a code has no RVU row."""
        return PriceTable(year, self.prices(year, locality, qualifying_apm))


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Unit prices in cents for one year, locality and factor."""

    year: int
    cents: dict[str, int]

    def __call__(self, code: str) -> int:
        try:
            return self.cents[code]
        except KeyError:
            raise UnknownCode(f"{code} has no RVU row for {self.year}") from None


def unit_payment_cents(rvu: Rvu, gpci: Gpci, factor: Decimal) -> int:
    """(W×wGPCI + PE×peGPCI + MP×mpGPCI) × CF, half-up to cents (cms-rules §1b)."""
    amount = (rvu.work * gpci.work + rvu.pe_nonfacility * gpci.pe + rvu.mp * gpci.mp) * factor
    return int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


# --- our own file format ----------------------------------------------------------------

RVU_HEADER = ["hcpcs", "work_rvu", "pe_nonfacility_rvu", "mp_rvu", "conversion_factor"]
GPCI_HEADER = ["locality", "mac", "locality_number", "name", "work_gpci", "pe_gpci", "mp_gpci"]


def _data_lines(path: Path) -> tuple[list[list[str]], str]:
    text = path.read_text(encoding="utf-8")
    source = " ".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = [[unquote_cell(cell) for cell in row] for row in csv.reader(io.StringIO(body))]
    return rows, source  # cells as written before SafeWriter quoted a formula-like one


def read_rvu_table(path: Path) -> tuple[dict[str, Rvu], Decimal, str]:
    """Read an rvu_YYYY.csv written by `write_rvu_table`."""
    rows, source = _data_lines(path)
    header, *data = rows
    if header != RVU_HEADER:
        raise FeeScheduleError(f"{path}: expected header {','.join(RVU_HEADER)}")
    factors = {row[4] for row in data}
    if len(factors) != 1:
        raise FeeScheduleError(f"{path}: expected one conversion factor, found {sorted(factors)}")
    table = {row[0]: Rvu(Decimal(row[1]), Decimal(row[2]), Decimal(row[3])) for row in data}
    return table, Decimal(factors.pop()), source


def read_gpci_table(path: Path) -> tuple[dict[str, Gpci], str]:
    """Read a gpci_YYYY.csv written by `write_gpci_table`."""
    rows, source = _data_lines(path)
    header, *data = rows
    if header != GPCI_HEADER:
        raise FeeScheduleError(f"{path}: expected header {','.join(GPCI_HEADER)}")
    table = {
        row[0]: Gpci(Decimal(row[4]), Decimal(row[5]), Decimal(row[6]), row[3]) for row in data
    }
    return table, source


def write_rvu_table(path: Path, rows: dict[str, Rvu], factor: Decimal, source: str) -> None:
    """Write RVUs in our format, naming the CMS file they came from."""
    out = io.StringIO()
    out.write(f"# source: {source}\n")
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(RVU_HEADER)
    for code in sorted(rows):
        r = rows[code]
        writer.writerow([code, r.work, r.pe_nonfacility, r.mp, factor])
    path.write_text(out.getvalue(), encoding="utf-8")


def write_gpci_table(path: Path, rows: dict[str, Gpci], source: str) -> None:
    """Write GPCIs in our format, naming the CMS file they came from."""
    out = io.StringIO()
    out.write(f"# source: {source}\n")
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(GPCI_HEADER)
    for key in sorted(rows):
        g = rows[key]
        writer.writerow([key, key[:5], key[5:], g.name, g.work, g.pe, g.mp])
    path.write_text(out.getvalue(), encoding="utf-8")


# --- CMS's own files --------------------------------------------------------------------


def _cms_rows(path: Path) -> list[list[str]]:
    """A CMS file's rows (Latin-1), read through ccm.reading's bounds: a record past them is
    a FeeScheduleError naming the file and line, never a csv.Error."""
    rows: list[list[str]] = []
    for line, fields, error, _undecodable in csv_records(path, "latin-1"):
        if error is not None:
            raise FeeScheduleError(f"{path.name}:{line}: {error}")
        rows.append(fields)
    return rows


def _norm(text: str) -> str:
    return " ".join(text.upper().split())


def read_cms_rvu(path: Path, codes: set[str] | None = None) -> tuple[dict[str, Rvu], Decimal]:
    """Read CMS PPRRVU CSV (2025 or 2026 layout): columns found by their header names, not positions."""
    rows = _cms_rows(path)
    start = next((i for i, row in enumerate(rows) if row and _norm(row[0]) == "HCPCS"), None)
    if start is None:
        raise FeeScheduleError(f"{path}: no header row starting with HCPCS")
    width = max(len(row) for row in rows[: start + 1])
    labels = []
    for col in range(width):
        parts = [
            row[col] for row in rows[max(0, start - 4) : start + 1] if col < len(row) and col != 2
        ]
        labels.append(_norm(" ".join(parts)))
    if width > 2:
        labels[2] = "DESCRIPTION"

    def column(label: str) -> int:
        try:
            return labels.index(label)
        except ValueError:
            raise FeeScheduleError(f"{path}: no column {label!r} in the header") from None

    c_code, c_mod = column("HCPCS"), column("MOD")
    c_work, c_pe, c_mp = column("WORK RVU"), column("NON-FAC PE RVU"), column("MP RVU")
    c_cf = column("CONV FACTOR")
    table: dict[str, Rvu] = {}
    factors: set[str] = set()
    for row in rows[start + 1 :]:
        if len(row) <= c_cf or not row[c_code].strip() or row[c_mod].strip():
            continue
        code = row[c_code].strip()
        if codes is not None and code not in codes:
            continue
        table[code] = Rvu(Decimal(row[c_work]), Decimal(row[c_pe]), Decimal(row[c_mp]))
        factors.add(row[c_cf].strip())
    if not table:
        raise FeeScheduleError(f"{path}: no RVU rows read")
    if len(factors) != 1:
        raise FeeScheduleError(f"{path}: expected one CONV FACTOR, found {sorted(factors)}")
    return table, Decimal(factors.pop())


def read_cms_gpci(path: Path) -> dict[str, Gpci]:
    """Read CMS GPCIyyyy.csv (Addendum E); key = MAC + 2-digit locality number, e.g. '0111205'."""
    rows = _cms_rows(path)
    start = next(
        (i for i, row in enumerate(rows) if any("LOCALITY NUMBER" in _norm(c) for c in row)), None
    )
    if start is None:
        raise FeeScheduleError(f"{path}: no header row with 'Locality Number'")
    labels = [_norm(c) for c in rows[start]]

    def column(*needles: str) -> int:
        for i, label in enumerate(labels):
            if all(n in label for n in needles):
                return i
        raise FeeScheduleError(f"{path}: no column with {' '.join(needles)!r}")

    c_mac, c_loc, c_name = column("MAC"), column("LOCALITY NUMBER"), column("LOCALITY NAME")
    c_pw, c_pe, c_mp = column("PW GPCI"), column("PE GPCI"), column("MP GPCI")
    c_state = next((i for i, label in enumerate(labels) if label == "STATE"), None)
    table: dict[str, Gpci] = {}
    for row in rows[start + 1 :]:
        if len(row) <= c_mp or not row[c_mac].strip().isdigit() or not row[c_loc].strip().isdigit():
            continue
        key = row[c_mac].strip().zfill(5) + row[c_loc].strip().zfill(2)
        state = row[c_state].strip() if c_state is not None else ""
        table[key] = Gpci(
            Decimal(row[c_pw]), Decimal(row[c_pe]), Decimal(row[c_mp]), row[c_name].strip(), state
        )
    if not table:
        raise FeeScheduleError(f"{path}: no GPCI rows read")
    return table


def read_cms_locality_counties(path: Path) -> dict[str, str]:
    """Read CMS's counties-per-locality file (e.g. 25LOCCO.csv): locality key → its counties."""
    rows = _cms_rows(path)
    start = next(
        (i for i, row in enumerate(rows) if any(_norm(c) == "COUNTIES" for c in row)), None
    )
    if start is None:
        raise FeeScheduleError(f"{path}: no header row with 'Counties'")
    counties: dict[str, str] = {}
    for row in rows[start + 1 :]:
        if len(row) < 5 or not row[0].strip().isdigit() or not row[1].strip().isdigit():
            continue
        key = row[0].strip().zfill(5) + row[1].strip().zfill(2)
        counties[key] = " ".join(row[4].split())
    if not counties:
        raise FeeScheduleError(f"{path}: no locality rows read")
    return counties


def file_year(path: Path) -> int | None:
    """The year a CMS file's title line names ("2025 National Physician Fee Schedule…",
    "FINAL CY 2025 GPCIs", "COUNTIES INCLUDED IN 2025 LOCALITIES"), or None."""
    for line, row, error, _undecodable in csv_records(path, "latin-1"):
        if error is not None:
            raise FeeScheduleError(f"{path.name}:{line}: {error}")
        title = " ".join(cell for cell in row if cell.strip())
        if title:
            found = re.search(r"\b(20\d\d)\b", title)
            return int(found.group(1)) if found else None
    return None


def check_year(year: int, path: Path) -> None:
    """Refuse a CMS file whose title names another year (or none) than the year chosen."""
    named = file_year(path)
    if named is None:
        raise WrongYear(f"{path.name}: its title line names no year, so it cannot be checked")
    if named != year:
        raise WrongYear(
            f"{path.name} is CMS's {named} file, not {year}'s: choose {named} or another file"
        )


def load_cms_files(
    year: int,
    rvu_path: Path,
    gpci_path: Path | None,
    target_dir: Path,
    counties_path: Path | None = None,
) -> list[Path]:
    """Convert CMS's RVU, GPCI (and counties-per-locality) files for a year into our tables
    under target_dir (`ccm fees load`, and the fee schedule page). Each file's title must name
    the year; every file is read before any is written, so a bad one changes nothing."""
    for path in (rvu_path, gpci_path, counties_path):
        if path is not None:
            check_year(year, path)
    rows, factor = read_cms_rvu(rvu_path)
    gpcis = read_cms_gpci(gpci_path) if gpci_path is not None else None
    counties = read_cms_locality_counties(counties_path) if counties_path is not None else {}
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    out = target_dir / f"rvu_{year}.csv"
    write_rvu_table(
        out, rows, factor, f"CMS {rvu_path.name}, rows without modifier, non-facility RVUs"
    )
    written.append(out)
    if gpci_path is not None and gpcis is not None:
        out = target_dir / f"gpci_{year}.csv"
        write_gpci_table(out, gpcis, f"CMS {gpci_path.name}")
        written.append(out)
        localities = [
            Locality(key, g.state, g.name, counties.get(key, "")) for key, g in gpcis.items()
        ]
        names = [gpci_path.name, *([counties_path.name] if counties_path else [])]
        out = target_dir / f"localities_{year}.csv"
        write_locality_table(out, localities, "CMS " + " and ".join(names))
        written.append(out)
    return written


LOCALITY_HEADER = ["locality", "state", "name", "counties"]


def write_locality_table(path: Path, rows: list[Locality], source: str) -> None:
    """Write the localities a practice picks from, naming the CMS files they came from."""
    out = io.StringIO()
    out.write(f"# source: {source}\n")
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(LOCALITY_HEADER)
    for loc in sorted(rows, key=lambda r: (r.state, r.name, r.key)):
        writer.writerow([loc.key, loc.state, loc.name, loc.counties])
    path.write_text(out.getvalue(), encoding="utf-8")


def read_locality_table(path: Path) -> list[Locality]:
    """Read a localities_YYYY.csv written by `write_locality_table`."""
    rows, _ = _data_lines(path)
    header, *data = rows
    if header != LOCALITY_HEADER:
        raise FeeScheduleError(f"{path}: expected header {','.join(LOCALITY_HEADER)}")
    return [Locality(*row) for row in data]


def loaded_years(folder: Path) -> dict[int, list[str]]:
    """Which years have which of our tables in FOLDER (rvu, gpci, localities), for a page."""
    years: dict[int, list[str]] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*_*.csv")):
            kind, _, year = path.stem.partition("_")
            if year.isdigit() and kind in ("rvu", "gpci", "localities"):
                years.setdefault(int(year), []).append(kind)
    return years


_default_fees: list[FeeSchedule] = []


def default_fees() -> FeeSchedule:
    """The built-in fee schedule (parameters/rvu_*.csv, gpci_*.csv), loaded once per process."""
    if not _default_fees:
        _default_fees.append(FeeSchedule.load())
    return _default_fees[0]
