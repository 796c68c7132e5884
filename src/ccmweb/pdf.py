"""PDF from our own templates (WeasyPrint) that fetches nothing but our own static files.

WeasyPrint's default fetcher follows any URL a document names, `file://` included: one value
breaking out of a template (a practice name in a CSS string) could read the server's files
or call internal addresses while a PDF renders. Our fetcher serves `/static/…` from the app's
static files and `data:` URIs, and refuses everything else.
"""

from __future__ import annotations

import base64
import mimetypes
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

#: The base URL documents are rendered against: relative and /static/ URLs resolve under it.
BASE_URL = "https://ccm.invalid/"


class RefusedURL(ValueError):
    """A document named a URL outside our static files."""


def static_file(url: str) -> tuple[bytes, str]:
    """(body, MIME type) of URL when it is a data: URI or one of our static files under
    BASE_URL; RefusedURL for anything else (another host, file:, a path out of static)."""
    if url.startswith("data:"):
        header, _, payload = url[len("data:") :].partition(",")
        body = (
            base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
        )
        return body, header.split(";")[0] or "text/plain"
    parts = urlsplit(url)
    static = urlsplit(BASE_URL + settings.STATIC_URL.lstrip("/"))
    if (parts.scheme, parts.netloc) != (static.scheme, static.netloc) or not parts.path.startswith(
        static.path
    ):
        raise RefusedURL(f"not one of ccm's static files ({parts.scheme or 'relative'} URL)")
    name = unquote(parts.path[len(static.path) :])
    found = finders.find(name) if name and ".." not in name.split("/") else None
    if not isinstance(found, str):
        raise RefusedURL("no such static file")
    with open(found, "rb") as stream:
        return stream.read(), mimetypes.guess_type(found)[0] or "application/octet-stream"


@cache
def _fetcher() -> Any:
    """One fetcher for every render: building one set up an unused default SSL context each
    time (its certificate store read from disk, ~50 ms of a ~500 ms render). Its `fetch` keeps
    no state, so threads may share it."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # heavy: imported when needed

    class StaticOnly(URLFetcher):
        """WeasyPrint's fetcher, limited to `static_file`."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body, mime = static_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return StaticOnly()


def render_pdf(html: str) -> bytes:
    """HTML (rendered from our templates) as a PDF, fetching only our static files."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
    return document.write_pdf()
