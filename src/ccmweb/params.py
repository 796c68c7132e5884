"""Values read from the query string or a form that the view then uses: each one parses or
the request is answered 400 (or the object is not found, 404), never a 500.

`?user=99999999999999999999999` once reached SQLite as an integer it cannot hold (500), and
`str.isdigit()` lets `²` through to `int()` (500); a month that did not parse became the
previous month, so posting a close with a bad month closed another one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ccm.periods import BillingMonth

#: Database ids are 64-bit: 18 digits always fit.
_ID_DIGITS = 18


def id_param(text: str | None) -> int | None:
    """An id typed as plain ASCII digits that a database key can hold, else None."""
    value = (text or "").strip()
    if not value or len(value) > _ID_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def whole_number(text: str | None, largest: int) -> int | None:
    """A whole number from 0 to LARGEST typed in ASCII digits, else None."""
    value = id_param(text)
    return value if value is not None and value <= largest else None


def uuid_param(text: str | None) -> uuid.UUID | None:
    """An opaque id (a UUID) as sent back by our forms, else None (found nowhere: 404)."""
    try:
        return uuid.UUID((text or "").strip())
    except ValueError:
        return None


#: A name or MRN search never needs more than this.
_SEARCH_CHARS = 200


def search_param(text: str | None) -> str:
    """A typed search: NUL and other control characters dropped (PostgreSQL refuses a NUL
    in any text parameter, so one in a search box was a 500), trimmed and bounded."""
    value = "".join(c for c in (text or "") if c.isprintable() or c == " ")
    return value.strip()[:_SEARCH_CHARS]


def month_param(text: str | None, default: Callable[[], BillingMonth]) -> BillingMonth:
    """A YYYY-MM month (years 1900–2999); DEFAULT() when none is given; BadRequest (400) when
    one is given that does not parse: never another month in its place."""
    value = (text or "").strip()
    if not value:
        return default()
    try:
        if not value.isascii():
            raise ValueError(value)
        month = BillingMonth.parse(value)
    except ValueError:
        raise BadRequest("Month: not a month written YYYY-MM.") from None
    if not 1900 <= month.year <= 2999:
        raise BadRequest("Month: not a month ccm keeps (1900–2999).")
    return month


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (urls.handler400), saying which value did not parse: the messages of
    our BadRequest name a field, never a value."""
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
