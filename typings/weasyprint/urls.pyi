# The part of weasyprint.urls ccm uses (ccmweb/pdf.py): the fetcher it subclasses.
from typing import Any

class URLFetcherResponse:
    def __init__(
        self, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> None: ...

class URLFetcher:
    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse: ...
