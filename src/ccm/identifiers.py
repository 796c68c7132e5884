"""Which of a patient's identifiers is the practice's MRN, which is the MBI, and which is never used.

Every EMR format labels identifiers its own way: FHIR ``identifier.type`` codings (``MR``) or
only ``type.text`` (Epic: "MRN", "EPI"), C-CDA ``id/@root`` OIDs, HL7v2 PID-3 with an
identifier type code (CX.5) and an assigning authority (CX.4). They all come here as
``Identifier`` values, so one policy decides for all of them (docs/import.md, "Identifiers"):

1. an identifier typed ``MR`` (HL7 v2 table 0203 / FHIR identifier-type);
2. else one whose type text reads "MRN" or "Medical Record Number" (any case);
3. else one in the practice's configured identifier system (a URI, OID or assigning authority);
4. never a Social Security number (type ``SS``/``SB``, system ``2.16.840.1.113883.4.1`` or
   ``http://hl7.org/fhir/sid/us-ssn``, or text "SSN"), nor an MBI, a driver's licence or a
   passport: those are not record numbers, and an SSN taken as MRN merges strangers.

Pure: no Django, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: CMS MBI format: C A AN N A AN N A A N N (letters except S L O I B Z).
_A, _AN = "AC-HJKMNP-RT-Y", "0-9AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"[1-9][{_A}][{_AN}][0-9][{_A}][{_AN}][0-9][{_A}][{_A}][0-9][0-9]")
MBI_SYSTEMS = frozenset(
    {"http://hl7.org/fhir/sid/us-mbi", "urn:oid:2.16.840.1.113883.4.927", "2.16.840.1.113883.4.927"}
)
SSN_SYSTEMS = frozenset(
    {"http://hl7.org/fhir/sid/us-ssn", "urn:oid:2.16.840.1.113883.4.1", "2.16.840.1.113883.4.1"}
)
_SSN_WORDS = re.compile(r"\b(ssn|social security)\b", re.IGNORECASE)
_MRN_WORDS = re.compile(r"^\s*(mrn|medical record( number)?|med rec( no)?\.?)\s*$", re.IGNORECASE)
_SSN_SHAPE = re.compile(r"\d{3}-?\d{2}-?\d{4}")


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier as the EMR gave it: its value, system (URI, OID or authority), type code(s)
    and type text."""

    value: str
    system: str = ""
    type_codes: tuple[str, ...] = ()
    type_text: str = ""


def normalize_system(system: str) -> str:
    """A system compared without case, `urn:oid:` prefix or trailing slash."""
    text = system.strip().lower().removeprefix("urn:oid:").rstrip("/")
    return text


def is_ssn(identifier: Identifier) -> bool:
    """True for a Social Security number, however the EMR labels it."""
    system = normalize_system(identifier.system)
    if system in {normalize_system(s) for s in SSN_SYSTEMS}:
        return True
    if {"SS", "SB"} & {c.upper() for c in identifier.type_codes}:
        return True
    return bool(_SSN_WORDS.search(identifier.type_text))


def is_mbi_system(system: str) -> bool:
    return normalize_system(system) in {normalize_system(s) for s in MBI_SYSTEMS}


def normal_mbi(value: str) -> str:
    """An MBI without dashes or spaces, upper case; "" when it is not in the CMS format."""
    candidate = re.sub(r"[\s-]", "", value).upper()
    return candidate if MBI_RE.fullmatch(candidate) else ""


@dataclass(frozen=True, slots=True)
class Identity:
    """What the identifiers say: the MRN (or ""), the MBI (or "") and warnings with their path."""

    mrn: str
    mbi: str
    warnings: tuple[str, ...]
    how: str  # "type MR", "type text", "configured system", "" when no MRN was found


def choose(identifiers: list[Identifier], path: str, configured_system: str = "") -> Identity:
    """The MRN and MBI among a patient's identifiers, by the policy in this module's docstring."""
    warnings: list[str] = []
    usable = [i for i in identifiers if i.value.strip()]
    mbi = ""
    for ident in usable:
        codes = {c.upper() for c in ident.type_codes}
        typed_mbi = "MC" in codes or "mbi" in ident.type_text.lower()
        if is_mbi_system(ident.system) or typed_mbi:
            found = normal_mbi(ident.value)
            if found:
                mbi = mbi or found
            else:
                warnings.append(f"{path} (MBI): not in the CMS MBI format; field left empty")
        elif "MR" not in codes and not is_ssn(ident) and MBI_RE.fullmatch(ident.value.strip()):
            mbi = mbi or ident.value.strip()  # untyped, but only an MBI has this shape
    candidates = [i for i in usable if not is_ssn(i) and not is_mbi_system(i.system)]
    mrn, how = "", ""
    typed = [i for i in candidates if "MR" in {c.upper() for c in i.type_codes}]
    texted = [i for i in candidates if _MRN_WORDS.match(i.type_text)]
    configured = normalize_system(configured_system)
    in_system = [i for i in candidates if configured and normalize_system(i.system) == configured]
    for ranked, label in (
        (typed, "type MR"),
        (texted, "type text"),
        (in_system, "configured system"),
    ):
        if ranked:
            mrn, how = ranked[0].value.strip(), label
            break
    if (
        mrn
        and _SSN_SHAPE.fullmatch(mrn)
        and any(is_ssn(i) and i.value.strip() == mrn for i in usable)
    ):
        mrn, how = "", ""  # the same number is also given as the SSN: never the MRN
    if not mrn:
        skipped = [i for i in usable if is_ssn(i)]
        note = " (a Social Security number is never used)" if skipped else ""
        warnings.append(
            f"{path}: no medical record number (type MR, type text MRN, or the practice's"
            f" identifier system){note}; the EMR's own id is the key"
        )
    return Identity(mrn, mbi, tuple(warnings), how)


def looks_like_identifier_system(text: str) -> bool:
    """A URI (http(s)://…, urn:…), an OID (1.2.840…) or an HL7v2 assigning authority (a word)."""
    value = text.strip()
    if not value or len(value) > 200 or any(c.isspace() for c in value):
        return False
    return bool(
        re.fullmatch(
            r"(https?://\S+|urn:(oid|uuid):[\w.:-]+|[0-2](\.\d+)+|[A-Za-z0-9_.&^-]+)", value
        )
    )
