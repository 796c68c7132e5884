"""C-CDA in: CCD, Referral Note and other C-CDA R2.x documents read with lxml into ccm's records
(docs/import.md, "C-CDA")."""

from ccm.ccda.document import Documents, input_files, is_ccda, map_document, read_ccda

__all__ = ["Documents", "input_files", "is_ccda", "map_document", "read_ccda"]
