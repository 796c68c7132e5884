"""Medicare Beneficiary Identifier format (CMS MBI specification)."""

import re

from django.core.exceptions import ValidationError

# CMS MBI format: 11 characters, C A AN N A AN N A A N N, where C = 1-9, N = 0-9,
# A = letters except S L O I B Z, AN = either.
_A = "AC-HJKMNP-RT-Y"
_AN = "0-9" + _A
MBI_RE = re.compile(rf"[1-9][{_A}][{_AN}][0-9][{_A}][{_AN}][0-9][{_A}][{_A}][0-9][0-9]")


def normalize_mbi(value: str) -> str:
    """Upper-case, dashes and spaces removed, as MBIs are often printed 1EG4-TE5-MK73."""
    return re.sub(r"[\s-]", "", value).upper()


def validate_mbi(value: str) -> None:
    if not MBI_RE.fullmatch(normalize_mbi(value)):
        raise ValidationError(
            "Medicare Beneficiary Identifier must be 11 characters in the CMS MBI format "
            "(e.g. 1EG4-TE5-MK73).",
            code="mbi",
        )
