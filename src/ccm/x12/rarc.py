"""Remittance Advice Remark Codes (RARC) common on CCM remittances, in plain words.

Source: the X12 RARC list (x12.org/codes/remittance-advice-remark-codes), abridged.
"""

from __future__ import annotations

RARC: dict[str, str] = {
    "M15": "Separately billed services/tests have been bundled as they are considered "
    "components of the same procedure.",
    "M80": "Not covered when performed during the same session/date as a previously "
    "processed service for the patient.",
    "M86": "Service denied because payment already made for same/similar procedure "
    "within set time frame.",
    "MA01": "Alert: if you do not agree with what we approved, you may appeal.",
    "MA04": "Secondary payment cannot be considered without the primary payer's payment "
    "information.",
    "MA130": "Your claim contains incomplete and/or invalid information; no appeal rights "
    "are afforded; submit a new claim with the complete/correct information.",
    "N4": "Missing/incomplete/invalid prior insurance carrier EOB.",
    "N30": "Patient ineligible for this service.",
    "N56": "Procedure code billed is not correct/valid for the services billed or the "
    "date of service billed.",
    "N130": "Consult plan benefit documents/guidelines for information about restrictions "
    "for this service.",
    "N290": "Missing/incomplete/invalid rendering provider primary identifier.",
    "N382": "Missing/incomplete/invalid patient identifier.",
    "N657": "This should be billed with the appropriate code for these services.",
}


def rarc_words(code: str) -> str:
    """'N290: Missing/incomplete/invalid rendering provider primary identifier.'."""
    words = RARC.get(code)
    return f"{code}: {words}" if words else f"{code}: (see the X12 RARC list)"
