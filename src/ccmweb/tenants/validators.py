"""Checks on the identifiers a practice bills under, with messages a practice can act on."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from ccm.identifiers import Identifier, is_ssn, looks_like_identifier_system
from ccm.rules.institutional import revenue_code_problem


def npi_is_valid(npi: str) -> bool:
    """An NPI is 10 digits whose Luhn check (with the 80840 prefix) passes (CMS NPI check digit)."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def validate_npi(value: str) -> None:
    if not npi_is_valid(value):
        raise ValidationError("NPI must be 10 digits with a valid check digit.", code="npi")


def validate_tin(value: str) -> None:
    if not re.fullmatch(r"\d{9}", value):
        raise ValidationError("TIN must be 9 digits, without dashes.", code="tin")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown IANA time zone {value!r}.", code="time_zone")


def validate_locality(value: str) -> None:
    if not re.fullmatch(r"\d{7}", value):
        raise ValidationError(
            "Medicare locality is the MAC number and locality number, 7 digits (e.g. 0111205).",
            code="locality",
        )


def validate_identifier_system(value: str) -> None:
    """A URI, OID or assigning authority, and never the Social Security number's (issue 12)."""
    if not looks_like_identifier_system(value):
        raise ValidationError(
            "Enter the EMR's identifier system as a URI (https://…, urn:oid:…), an OID "
            "(2.16.840.1…) or an HL7v2 assigning authority, without spaces.",
            code="identifier_system",
        )
    if is_ssn(Identifier("x", system=value)):
        raise ValidationError(
            "That is the Social Security number's system: ccm never uses it as the MRN.",
            code="identifier_system",
        )


def validate_revenue_code(value: str) -> None:
    problem = revenue_code_problem(value, timezone.localdate())
    if problem:
        raise ValidationError(problem, code="revenue_code")


def validate_postal_code(value: str) -> None:
    """A US ZIP code: five digits, or ZIP+4 (12345-6789 or nine digits)."""
    if not re.fullmatch(r"\d{5}(-?\d{4})?", value):
        raise ValidationError("ZIP code must be 5 digits or ZIP+4 (12345-6789).", code="zip")


def validate_color(value: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValidationError("Colour must be written #RRGGBB, e.g. #1f6feb.", code="color")
