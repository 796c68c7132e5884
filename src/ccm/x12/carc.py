"""Claim Adjustment Reason Codes (X12 CARC) a CCM biller meets most, in plain words.

Source: the X12 CARC list (x12.org/codes/claim-adjustment-reason-codes), abridged; the
`action` says what the biller does next. Unknown codes fall back to the code itself.
"""

from __future__ import annotations

from typing import NamedTuple


class Reason(NamedTuple):
    """A code's meaning and the biller's next step."""

    words: str
    action: str


GROUPS = {
    "CO": "contractual obligation (write off, do not bill the patient)",
    "PR": "patient responsibility (bill the patient or secondary payer)",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal",
}

CARC: dict[str, Reason] = {
    "1": Reason("Deductible amount", "Bill the patient or secondary payer."),
    "2": Reason("Coinsurance amount", "Bill the patient or secondary payer."),
    "3": Reason("Co-payment amount", "Bill the patient or secondary payer."),
    "16": Reason(
        "Claim lacks information or has submission/billing errors",
        "Read the remark code, fix the claim and send a corrected claim.",
    ),
    "18": Reason(
        "Exact duplicate claim or service",
        "Check whether the month was already paid; do not resend.",
    ),
    "22": Reason(
        "May be covered by another payer (coordination of benefits)",
        "Verify the patient's coverage order and bill the primary payer.",
    ),
    "23": Reason("Impact of prior payer adjudication", "Post as adjusted; no action."),
    "27": Reason(
        "Expenses incurred after coverage terminated",
        "Verify Part B coverage for the month; hold future months.",
    ),
    "29": Reason(
        "Time limit for filing has expired",
        "Timely filing missed: write off; review why the claim was late.",
    ),
    "31": Reason(
        "Patient cannot be identified as our insured",
        "Check the MBI and name against the Medicare card; correct and resend.",
    ),
    "45": Reason(
        "Charge exceeds fee schedule/maximum allowable", "Contractual write-off; no action."
    ),
    "50": Reason(
        "Not deemed a medical necessity by the payer",
        "Check the qualifying chronic conditions on the claim; appeal with the care plan.",
    ),
    "96": Reason(
        "Non-covered charge(s)", "Read the remark code; check the program and codes billed."
    ),
    "97": Reason(
        "Bundled into another service already adjudicated",
        "Check services billed the same month (exclusions, cms-rules §8).",
    ),
    "109": Reason(
        "Not covered by this payer/contractor",
        "Send to the correct payer or MAC (check Medicare Advantage).",
    ),
    "119": Reason(
        "Benefit maximum for this time period has been reached",
        "Check units billed this month against the caps.",
    ),
    "204": Reason(
        "Service not covered under the patient's current benefit plan",
        "Verify coverage; hold the patient's months until it is fixed.",
    ),
    "253": Reason("Sequestration: reduction of federal payment", "Contractual; no action."),
    "B9": Reason("Patient is enrolled in a hospice", "Hold CCM while the patient is in hospice."),
    "B15": Reason(
        "Requires a qualifying service that was not paid or is absent",
        "Check the initiating visit; appeal with its record.",
    ),
    "B20": Reason(
        "Procedure or service partially or fully furnished by another provider",
        "Another practice billed CCM this month: hold the month, do not resend.",
    ),
}


def group_words(group: str) -> str:
    """An adjustment's group (CAS01: CO, PR, OA, PI, CR) in words: who carries the amount."""
    return GROUPS.get(group, group)


def carc_words(code: str) -> str:
    """'45: Charge exceeds fee schedule/maximum allowable'."""
    reason = CARC.get(code)
    return f"{code}: {reason.words}" if reason else f"{code}: (see the X12 CARC list)"


def carc_action(code: str) -> str:
    """What the biller does about an adjustment with this reason."""
    reason = CARC.get(code)
    return reason.action if reason else "Look the code up in the X12 CARC list and decide."
