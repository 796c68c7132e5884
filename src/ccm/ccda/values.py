"""C-CDA data types as ccm reads them: II ids, CD codes with translations, TS times, PQ values.

Every helper takes an lxml element (or None) and returns plain values; a value ccm cannot
stand behind raises `Rejected` naming the element's path, line and why.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lxml import etree

from ccm.fhir.records import Rejected
from ccm.reading import NumberError, parse_decimal

NS = {"c": "urn:hl7-org:v3", "sdtc": "urn:hl7-org:sdtc"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
V3 = "{urn:hl7-org:v3}"

SNOMED = "2.16.840.1.113883.6.96"
ICD10CM = "2.16.840.1.113883.6.90"
LOINC = "2.16.840.1.113883.6.1"
RXNORM = "2.16.840.1.113883.6.88"
CPT = "2.16.840.1.113883.6.12"
HCPCS = "2.16.840.1.113883.6.285"
ACT_CODE = "2.16.840.1.113883.5.4"
SOPT = "2.16.840.1.113883.3.221.5"

Element = etree._Element


def find(element: Element | None, path: str) -> Element | None:
    """The first element at PATH (``c:`` is the C-CDA namespace), or None."""
    if element is None:
        return None
    found = element.find(path, NS)
    return found


def findall(element: Element | None, path: str) -> list[Element]:
    return [] if element is None else list(element.iterfind(path, NS))


def attr(element: Element | None, name: str) -> str:
    """An attribute's text, stripped; "" when absent."""
    if element is None:
        return ""
    value = element.get(name)
    return value.strip() if value else ""


def text_of(element: Element | None, limit: int = 200) -> str:
    """The element's text with spaces collapsed (a name part, a city)."""
    if element is None:
        return ""
    return " ".join("".join(str(t) for t in element.itertext()).split())[:limit]


def where(element: Element | None) -> str:
    """An element's name and line, for a rejection: ``observation (line 412)``."""
    if element is None:
        return "document"
    name = etree.QName(element).localname if isinstance(element.tag, str) else "node"
    return f"{name} (line {element.sourceline})"


class Code(NamedTuple):
    code: str
    system: str
    display: str


def codes(element: Element | None) -> list[Code]:
    """A CD's own code and those of its translations; a nullFlavor code gives only its
    translations (what vendors send when the local code has no standard one)."""
    if element is None:
        return []
    found: list[Code] = []
    for part in [element, *findall(element, "c:translation")]:
        code = attr(part, "code")
        if code and not part.get("nullFlavor"):
            found.append(Code(code[:64], attr(part, "codeSystem"), attr(part, "displayName")[:300]))
    return found


def display_of(element: Element | None, narrative: dict[str, Element] | None = None) -> str:
    """A code's displayName, else its originalText, else the narrative text its originalText
    points to (``<reference value="#med1"/>``: what vendors send for an entry coded nowhere)."""
    if element is None:
        return ""
    name = attr(element, "displayName")
    if name:
        return name[:300]
    return referenced(find(element, "c:originalText"), narrative)


def referenced(element: Element | None, narrative: dict[str, Element] | None) -> str:
    """An originalText's or entry text's own words, else those of the narrative it points to."""
    own = text_of(element, 300)
    if own or narrative is None:
        return own
    target = attr(find(element, "c:reference"), "value").removeprefix("#")
    return text_of(narrative.get(target), 300) if target else ""


def narrative_ids(root: Element) -> dict[str, Element]:
    """The document's narrative elements by their ID attribute, for references to them."""
    return {
        found: element
        for element in root.iter()
        if isinstance(element.tag, str) and (found := element.get("ID"))
    }


_TS = re.compile(r"(\d{4})(\d{2})?(\d{2})?")


def ts_date(value: str, field: str, today: date | None = None) -> date:
    """An HL7 TS (YYYY[MM[DD[HHMM[SS]]]][±ZZZZ]) as its local date; a partial one gives the
    period's first day, as FHIR's partial dates do."""
    match = _TS.match(value)
    if match is None:
        raise Rejected(f"{field}: {value[:30]!r} is not an HL7 date")
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise Rejected(f"{field}: {value[:30]!r} is not a date") from None
    if today is not None and parsed > today:
        raise Rejected(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


def is_full_ts(value: str) -> bool:
    match = _TS.match(value)
    return bool(match and match.group(3))


def time_value(element: Element | None) -> str:
    """The TS of an effectiveTime: its own value, else its low's (IVL_TS), else its center's."""
    if element is None:
        return ""
    own = attr(element, "value")
    if own:
        return own
    for part in ("c:low", "c:center"):
        value = attr(find(element, part), "value")
        if value:
            return value
    return ""


def low_high(element: Element | None) -> tuple[str, str]:
    if element is None:
        return "", ""
    low = attr(find(element, "c:low"), "value") or attr(element, "value")
    return low, attr(find(element, "c:high"), "value")


def optional_ts(value: str, field: str, today: date | None = None) -> date | None:
    return ts_date(value, field, today) if value else None


def quantity(element: Element | None, field: str) -> tuple[Decimal, str]:
    """A PQ's value (bounded, no exponents) to two places, and its unit."""
    if element is None or element.get("nullFlavor"):
        raise Rejected(f"{field}: no value")
    kind = (element.get(XSI_TYPE) or "PQ").split(":")[-1]
    if kind != "PQ":
        raise Rejected(f"{field}: a {kind} value where a physical quantity (PQ) was expected")
    raw = attr(element, "value")
    try:
        number = parse_decimal(raw, f"{field}/@value")
    except NumberError as error:
        raise Rejected(str(error)) from None
    if abs(number) >= 100000:
        raise Rejected(f"{field}/@value: {raw!r} is out of range")
    return number.quantize(Decimal("0.01")), attr(element, "unit")[:20]


def template_ids(element: Element) -> set[str]:
    return {attr(t, "root") for t in findall(element, "c:templateId")}


def ident(element: Element | None) -> str:
    """An II as one string, root^extension (or the root alone); "" for a nullFlavor id."""
    if element is None or element.get("nullFlavor"):
        return ""
    root, extension = attr(element, "root"), attr(element, "extension")
    if not root and not extension:
        return ""
    return f"{root}^{extension}" if extension else root
