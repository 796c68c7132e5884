# The part of WeasyPrint ccm uses (ccmweb/pdf.py); WeasyPrint ships no type information.
from typing import Any

class HTML:
    def __init__(
        self, *, string: str | None = None, base_url: str | None = None, url_fetcher: Any = None
    ) -> None: ...
    def write_pdf(self) -> bytes: ...
