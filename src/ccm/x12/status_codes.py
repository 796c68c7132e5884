"""Health care claim status codes as the 277CA reports them, in words (X12 external code
lists 507 category, 508 status, 98 entity identifier; abridged to what a CCM practice's
professional claims meet). Unknown codes fall back to the code itself.
"""

from __future__ import annotations

#: Code source 507: claim status category codes.
CATEGORY = {
    "A0": "Acknowledgement/Forwarded: the claim has been forwarded to another entity",
    "A1": "Acknowledgement/Receipt: the claim has been received (not yet accepted for adjudication)",
    "A2": "Acknowledgement/Acceptance into adjudication system",
    "A3": "Acknowledgement/Returned as unprocessable claim: rejected, not entered into adjudication",
    "A4": "Acknowledgement/Not Found: the claim can not be found in the adjudication system",
    "A5": "Acknowledgement/Split Claim: split upon acceptance into the adjudication system",
    "A6": "Acknowledgement/Rejected for Missing Information",
    "A7": "Acknowledgement/Rejected for Invalid Information",
    "A8": "Acknowledgement/Rejected for relational field in error",
    "E0": "Response not possible: error on submitted request data",
    "E1": "Response not possible: system status",
    "E2": "Information holder is not responding; resubmit at a later time",
    "E3": "Correction required: relational fields in error",
    "E4": "Trading partner agreement specific requirement not met: data correction required",
    "F0": "Finalized",
    "F1": "Finalized/Payment",
    "F2": "Finalized/Denial",
    "F3": "Finalized/Revised",
    "F4": "Finalized/Adjudication complete: no payment forthcoming",
    "P0": "Pending: adjudication/details",
    "P1": "Pending/In process",
    "P2": "Pending/Payer review",
    "P3": "Pending/Provider requested information",
    "P4": "Pending/Patient requested information",
    "P5": "Pending/Payer administrative/system hold",
}
ACCEPTED = {"A0", "A1", "A2", "A5"}
REJECTED = {"A3", "A4", "A6", "A7", "A8", "E3", "E4"}

#: Code source 508: claim status codes (abridged).
STATUS = {
    "0": "Cannot provide further status electronically.",
    "1": "For more detailed information, see remittance advice.",
    "3": "Claim has been adjudicated and is awaiting payment cycle.",
    "16": "Claim/encounter has been forwarded to entity.",
    "19": "Entity acknowledges receipt of claim/encounter.",
    "20": "Accepted for processing.",
    "21": "Missing or invalid information.",
    "23": "Returned to entity.",
    "24": "Entity not approved as an electronic submitter.",
    "26": "Entity not found.",
    "27": "Policy canceled.",
    "29": "Subscriber and policy number/contract number mismatched.",
    "30": "Subscriber and subscriber id mismatched.",
    "31": "Subscriber and policyholder name mismatched.",
    "33": "Subscriber and subscriber id not found.",
    "35": "Claim/encounter not found.",
    "54": "Duplicate of a previously processed claim/line.",
    "78": "Duplicate of an existing claim/line, awaiting processing.",
    "85": "Entity not primary.",
    "88": "Entity not eligible for benefits for submitted dates of service.",
    "96": "No agreement with entity.",
    "97": "Patient eligibility not found with entity.",
    "109": "Entity not eligible.",
    "116": "Claim submitted to incorrect payer.",
    "125": "Entity's name.",
    "126": "Entity's address.",
    "128": "Entity's tax id.",
    "145": "Entity's specialty/taxonomy code.",
    "153": "Entity's id number.",
    "158": "Entity's date of birth.",
    "164": "Entity's contract/member number.",
    "187": "Date(s) of service.",
}

#: Code source 98: entity identifier codes (STC01-3), who the status is about.
ENTITY = {
    "40": "receiver",
    "41": "submitter",
    "82": "rendering provider",
    "85": "billing provider",
    "87": "pay-to provider",
    "IL": "subscriber (the Medicare beneficiary)",
    "PR": "payer",
    "QC": "patient",
}


def status_words(category: str, status: str = "", entity: str = "") -> str:
    """'A7 Acknowledgement/Rejected for Invalid Information: 164 Entity's contract/member
    number. (subscriber (the Medicare beneficiary))'."""
    words = f"{category} {CATEGORY.get(category, '(see the X12 claim status category list)')}"
    if status:
        words += f": {status} {STATUS.get(status, '(see the X12 claim status code list)')}"
    if entity:
        words += f" ({ENTITY.get(entity, entity)})"
    return words


#: What a biller fixes for a rejection naming these status codes (508), before the claim goes
#: again; the first code with an entry wins.
FIXES = {
    "33": "Check the patient's MBI and name against the Medicare card.",
    "30": "Check the patient's MBI against the Medicare card.",
    "31": "Check the patient's name against the Medicare card.",
    "164": "Check the patient's MBI against the Medicare card.",
    "158": "Check the patient's date of birth.",
    "126": "Correct the address the status names (patient or practice).",
    "153": "Check the NPI or id of the provider the status names.",
    "128": "Check the practice's TIN in its settings.",
    "145": "Check the practitioner's taxonomy code.",
    "187": "Check the claim's dates of service.",
    "116": "Check the payer id in the billing settings.",
    "24": "Ask the clearinghouse to enroll the submitter id for electronic claims.",
    "97": "Verify the patient's Medicare eligibility for the month.",
    "88": "Verify the patient's Medicare eligibility for the dates of service.",
}


def fix_for(codes: list[str]) -> str:
    """The fix a rejection asks for, in words."""
    for code in codes:
        if code in FIXES:
            return FIXES[code]
    return "Correct what the status names."
