"""Billing settings a payer's file depends on, checked where they are typed (forms reuse these)."""

import re

from django.core.exceptions import ValidationError

from ccm.x12.segments import BASIC


def validate_interchange_id(value: str) -> None:
    """ISA06/ISA08 and 1000A/1000B ids: 2 to 15 characters of X12's basic set, no spaces inside."""
    stripped = value.strip()
    if not stripped:
        return
    if not 2 <= len(stripped) <= 15 or any(ch not in BASIC or ch == " " for ch in stripped.upper()):
        raise ValidationError(
            "An interchange id is 2 to 15 letters, digits or X12 punctuation, without spaces.",
            code="interchange_id",
        )


def validate_billing_zip(value: str) -> None:
    """The 837P's billing provider needs a nine-digit ZIP (ZIP+4): a 5-digit one is refused."""
    if not re.fullmatch(r"\d{5}-?\d{4}", value.strip()):
        raise ValidationError(
            "The billing address needs a ZIP+4 (e.g. 62701-1234): Medicare's 837P refuses a "
            "5-digit ZIP for the billing provider.",
            code="zip_plus_four",
        )
