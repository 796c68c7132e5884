"""CSV in: the documented layout (docs/import-csv.md) for EMRs that export only CSV."""

from ccm.csvio.layout import LAYOUT, CsvItem, read_csv

__all__ = ["LAYOUT", "CsvItem", "read_csv"]
