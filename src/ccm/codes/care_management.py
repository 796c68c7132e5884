"""Care-management CPT/HCPCS code sets with effective dates (cms-rules §1a, §4, §8, §13).

``effective_from``/``effective_to`` are dates of service.  Dates the spec names are cited;
the others are the codes' well-known CPT/HCPCS introduction dates, long before any month
ccm closes, and only bound what counts as valid.
"""

from __future__ import annotations

from datetime import date

from ccm.codes.codeset import CPT, HCPCS, SNOMED, Code, CodeSet

D2025 = date(2025, 1, 1)
D2026 = date(2026, 1, 1)

CCM = CodeSet(
    "CCM",
    [
        Code("99490", CPT, "CCM, first 20 min of clinical staff time per month", date(2015, 1, 1)),
        Code("99439", CPT, "CCM, each additional 20 min of clinical staff time", date(2022, 1, 1)),
        Code("99491", CPT, "CCM, first 30 min personally by the practitioner", date(2019, 1, 1)),
        Code("99437", CPT, "CCM, each additional 30 min by the practitioner", date(2022, 1, 1)),
    ],
)

COMPLEX_CCM = CodeSet(
    "Complex CCM",
    [
        Code(
            "99487",
            CPT,
            "Complex CCM, first 60 min of clinical staff time, mod/high MDM",
            date(2017, 1, 1),
        ),
        Code(
            "99489",
            CPT,
            "Complex CCM, each additional 30 min of clinical staff time",
            date(2017, 1, 1),
        ),
    ],
)

PCM = CodeSet(
    "PCM",
    [
        Code("99424", CPT, "PCM, first 30 min personally by the practitioner", date(2022, 1, 1)),
        Code("99425", CPT, "PCM, each additional 30 min by the practitioner", date(2022, 1, 1)),
        Code("99426", CPT, "PCM, first 30 min of clinical staff time", date(2022, 1, 1)),
        Code("99427", CPT, "PCM, each additional 30 min of clinical staff time", date(2022, 1, 1)),
    ],
)

APCM = CodeSet(
    "APCM",
    [
        Code("G0556", HCPCS, "APCM, patient with 0-1 chronic conditions (cms-rules §2)", D2025),
        Code("G0557", HCPCS, "APCM, patient with 2+ chronic conditions", D2025),
        Code("G0558", HCPCS, "APCM, 2+ chronic conditions and a QMB patient", D2025),
    ],
)

APCM_BEHAVIORAL = CodeSet(
    "APCM behavioral health add-ons",
    [
        Code("G0568", HCPCS, "APCM add-on: initial month of CoCM-like behavioral care", D2026),
        Code("G0569", HCPCS, "APCM add-on: subsequent month of CoCM-like behavioral care", D2026),
        Code("G0570", HCPCS, "APCM add-on: BHI-like behavioral care management", D2026),
    ],
)

CCM_INITIATION_ADDON = CodeSet(
    "G0506",
    [
        Code(
            "G0506",
            HCPCS,
            "Add-on to the initiating visit: extensive CCM assessment and care planning",
            date(2017, 1, 1),
        )
    ],
)

TCM = CodeSet(
    "TCM",
    [
        Code(
            "99495",
            CPT,
            "TCM, moderate MDM, face-to-face visit within 14 days of discharge",
            date(2013, 1, 1),
        ),
        Code(
            "99496",
            CPT,
            "TCM, high MDM, face-to-face visit within 7 days of discharge",
            date(2013, 1, 1),
        ),
    ],
)

BHI = CodeSet(
    "BHI and CoCM",
    [
        Code(
            "99484",
            CPT,
            "General behavioral health integration, 20+ min per month",
            date(2018, 1, 1),
        ),
        Code(
            "99492", CPT, "Psychiatric collaborative care (CoCM), initial month", date(2018, 1, 1)
        ),
        Code("99493", CPT, "CoCM, subsequent month", date(2018, 1, 1)),
        Code("99494", CPT, "CoCM, each additional 30 min", date(2018, 1, 1)),
    ],
)

RPM = CodeSet(
    "RPM",
    [
        Code("99453", CPT, "RPM device set-up and patient education", date(2019, 1, 1)),
        Code(
            "99454", CPT, "RPM device supply with daily recordings, each 30 days", date(2019, 1, 1)
        ),
        Code("99457", CPT, "RPM treatment management, first 20 min per month", date(2019, 1, 1)),
        Code("99458", CPT, "RPM treatment management, each additional 20 min", date(2020, 1, 1)),
        Code("99470", CPT, "RPM treatment management, first 10 min per month (new 2026)", D2026),
    ],
)

HOME_HEALTH_HOSPICE_SUPERVISION = CodeSet(
    "Home health / hospice care-plan oversight",
    [
        Code("G0181", HCPCS, "Home health care-plan oversight, 30+ min per month"),
        Code("G0182", HCPCS, "Hospice care-plan oversight, 30+ min per month"),
    ],
)

ESRD_MONTHLY = CodeSet(
    "ESRD monthly services",
    [
        Code(
            str(n),
            CPT,
            "ESRD-related services for dialysis patients, per month or per day",
            date(2009, 1, 1),
        )
        for n in range(90951, 90971)
    ],
)

#: Communication-technology services bundled into APCM by the same practitioner (cms-rules §8,
#: §13; UNCONFIRMED: policy `apcm_blocks_communication_technology_codes`).
COMMUNICATION_TECHNOLOGY = CodeSet(
    "Communication technology",
    [
        Code("G2250", HCPCS, "Remote assessment of recorded video or images, established patient"),
        Code(
            "G2251",
            HCPCS,
            "Brief communication technology-based service (virtual check-in), 5-10 min",
        ),
        Code(
            "G2252",
            HCPCS,
            "Brief communication technology-based service (virtual check-in), 11-20 min",
        ),
        Code(
            "98970",
            CPT,
            "Online digital evaluation by a qualified non-physician professional, 5-10 min",
        ),
        Code(
            "98971",
            CPT,
            "Online digital evaluation by a qualified non-physician professional, 11-20 min",
        ),
        Code(
            "98972",
            CPT,
            "Online digital evaluation by a qualified non-physician professional, 21+ min",
        ),
        Code("99421", CPT, "Online digital E/M service (e-visit), 5-10 min"),
        Code("99422", CPT, "Online digital E/M service (e-visit), 11-20 min"),
        Code("99423", CPT, "Online digital E/M service (e-visit), 21+ min"),
        *(
            Code(str(n), CPT, "Interprofessional telephone/internet consultation")
            for n in range(99446, 99450)
        ),
        Code(
            "99450", CPT, "Basic life and/or disability examination (in the range the spec names)"
        ),
        Code("99451", CPT, "Interprofessional consultation, written report, 5+ min"),
        Code("99452", CPT, "Interprofessional referral service, 16-30 min"),
    ],
)

RHC_FQHC_CARE_MANAGEMENT = CodeSet(
    "G0511",
    [
        Code(
            "G0511",
            HCPCS,
            "RHC/FQHC general care management, 20+ min; payable through 2025-09-30 (cms-rules §13)",
            date(2018, 1, 1),
            date(2025, 9, 30),
        )
    ],
)

#: CPT/HCPCS visits that can initiate CCM/PCM/APCM (cms-rules §4).  Not 99211, not
#: online or telephone services.  New-patient E/M (99202-99205) is UNCONFIRMED but included.
INITIATING_VISITS_CPT = CodeSet(
    "Initiating visits (CPT/HCPCS)",
    [
        *(
            Code(
                f"9920{n}",
                CPT,
                f"New-patient office E/M level {n} (UNCONFIRMED, cms-rules §4)",
                date(2021, 1, 1),
            )
            for n in range(2, 6)
        ),
        *(Code(f"9921{n}", CPT, f"Established-patient office E/M level {n}") for n in range(2, 6)),
        Code("G0438", HCPCS, "Annual wellness visit, initial", date(2011, 1, 1)),
        Code("G0439", HCPCS, "Annual wellness visit, subsequent", date(2011, 1, 1)),
        Code(
            "G0402", HCPCS, "Initial preventive physical examination (IPPE, 'Welcome to Medicare')"
        ),
        *TCM,
    ],
)

#: SNOMED CT encounter types that an EMR (Synthea) uses for an ambulatory office visit
#: with a practitioner; accepted as initiating visits only with encounter class AMB
#: (cms-rules §4).  Excluded on purpose: telemedicine 448337001 and telephone 185317003
#: (online/telephone services do not initiate), urgent care 702927004, prenatal and
#: postnatal visits, vaccine administration 33879002, outpatient procedures 371883000,
#: death certification 308646001, emergency and inpatient encounters.
INITIATING_VISITS_SNOMED = CodeSet(
    "Initiating visits (SNOMED encounter types)",
    [
        Code("185349003", SNOMED, "Encounter for check up"),
        Code("185345009", SNOMED, "Encounter for symptom"),
        Code("185347001", SNOMED, "Encounter for problem"),
        Code("390906007", SNOMED, "Follow-up encounter"),
        Code("162673000", SNOMED, "General examination of patient"),
        Code("410620009", SNOMED, "Well child visit"),
        Code("316744009", SNOMED, "Office visit"),
        Code("308335008", SNOMED, "Patient encounter procedure"),
        Code("698314001", SNOMED, "Consultation for treatment"),
        Code("394701000", SNOMED, "Asthma follow-up"),
        Code("86013001", SNOMED, "Periodic reevaluation and management of healthy individual"),
        Code("439740005", SNOMED, "Postoperative follow-up visit"),
    ],
)

INITIATING_VISITS = INITIATING_VISITS_CPT | INITIATING_VISITS_SNOMED

#: The everyday initiating visit, an established-patient office E/M level 4 (cms-rules §4): the
#: visit form's default choice and what demo and test data record.
USUAL_INITIATING_VISIT = "99214"

#: Every care-management code a month can bill (cms-rules §1a).
CARE_MANAGEMENT = (
    CCM
    | COMPLEX_CCM
    | PCM
    | APCM
    | APCM_BEHAVIORAL
    | CCM_INITIATION_ADDON
    | TCM
    | BHI
    | RPM
    | RHC_FQHC_CARE_MANAGEMENT
)

#: Add-on codes and the base codes they are billed with (cms-rules §1a, §13): on a claim an
#: add-on line follows its base code's line.
ADD_ON_BASES: dict[str, frozenset[str]] = {
    "99439": frozenset({"99490"}),
    "99437": frozenset({"99491"}),
    "99489": frozenset({"99487"}),
    "99425": frozenset({"99424"}),
    "99427": frozenset({"99426"}),
    "99458": frozenset({"99457"}),
    "99494": frozenset({"99492", "99493"}),
    "G0506": INITIATING_VISITS_CPT.codes,
    **{code: frozenset({"G0556", "G0557", "G0558"}) for code in ("G0568", "G0569", "G0570")},
}


def claim_line_order(code: str) -> tuple[int, str]:
    """Sort key for a claim's lines: base codes first, then add-ons (each after its base)."""
    return (1 if code in ADD_ON_BASES else 0, code)
