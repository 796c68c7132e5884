"""A seeded, streaming generator of realistic Medicare patients for the demo and the benchmarks.

Patient ``i`` depends only on ``(seed, i, today)``: the demo can ask for 500 patients today and
300 tomorrow and get the same people (names, MRNs, conditions; dates shift with ``today``), and
``bench/`` can stream 1,000,000 of them in O(1) memory.  Randomness comes from one
``random.Random`` per block of ``BLOCK`` patients, seeded by ``(seed, block)``, so a patient's
draws never depend on how many patients were asked for.  Nothing here reads the clock.

Prevalences follow the CMS Chronic Conditions Warehouse prevalence (approximate) for Medicare
fee-for-service beneficiaries, nudged up or down a little with age.  Names, streets, towns and
phone numbers (555-01xx) are fictional; MBIs are format-valid (CMS MBI format), not real.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

BLOCK = 256  # patients sharing one seeded Random: seeding costs ~6 µs, a patient ~15 µs

# (CCW group id, base prevalence, change per decade of age above 76, female factor,
#  ((ICD-10-CM code, display), ...) for women, the same for men)
# CMS Chronic Conditions Warehouse prevalence (approximate), Medicare FFS beneficiaries.
_Codes = tuple[tuple[str, str], ...]
_HTN: _Codes = (("I10", "Essential (primary) hypertension"),)
_LIPID: _Codes = (
    ("E78.5", "Hyperlipidemia, unspecified"),
    ("E78.00", "Pure hypercholesterolemia, unspecified"),
    ("E78.2", "Mixed hyperlipidemia"),
)
_IHD: _Codes = (
    ("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris"),
    ("I25.2", "Old myocardial infarction"),
)
_DM: _Codes = (
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("E11.65", "Type 2 diabetes mellitus with hyperglycemia"),
)
_CKD: _Codes = (
    ("N18.31", "Chronic kidney disease, stage 3a"),
    ("N18.32", "Chronic kidney disease, stage 3b"),
    ("N18.30", "Chronic kidney disease, stage 3 unspecified"),
    ("N18.4", "Chronic kidney disease, stage 4 (severe)"),
)
_ARTHRITIS: _Codes = (
    ("M17.0", "Bilateral primary osteoarthritis of knee"),
    ("M19.90", "Unspecified osteoarthritis, unspecified site"),
    ("M17.11", "Unilateral primary osteoarthritis, right knee"),
    ("M06.9", "Rheumatoid arthritis, unspecified"),
)
_DEPRESSION: _Codes = (
    ("F32.9", "Major depressive disorder, single episode, unspecified"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
)
_HF: _Codes = (
    ("I50.9", "Heart failure, unspecified"),
    ("I50.32", "Chronic diastolic (congestive) heart failure"),
    ("I50.22", "Chronic systolic (congestive) heart failure"),
)
_COPD: _Codes = (("J44.9", "Chronic obstructive pulmonary disease, unspecified"),)
_AF: _Codes = (
    ("I48.91", "Unspecified atrial fibrillation"),
    ("I48.20", "Chronic atrial fibrillation, unspecified"),
)
_DEMENTIA: _Codes = (
    ("G30.9", "Alzheimer's disease, unspecified"),
    ("F03.90", "Unspecified dementia, unspecified severity, without behavioral disturbance"),
)
_CANCER_F: _Codes = (
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
    ("C18.9", "Malignant neoplasm of colon, unspecified"),
    ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
)
_CANCER_M: _Codes = (
    ("C61", "Malignant neoplasm of prostate"),
    ("C18.9", "Malignant neoplasm of colon, unspecified"),
    ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
)
_OSTEO: _Codes = (("M81.0", "Age-related osteoporosis without current pathological fracture"),)
_STROKE: _Codes = (
    ("I63.9", "Cerebral infarction, unspecified"),
    ("G45.9", "Transient cerebral ischemic attack, unspecified"),
)
_ASTHMA: _Codes = (
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("J45.40", "Moderate persistent asthma, uncomplicated"),
)
CONDITIONS: tuple[tuple[str, float, float, float, _Codes, _Codes], ...] = (
    ("hypertension", 0.57, 0.05, 1.0, _HTN, _HTN),
    ("hyperlipidemia", 0.47, -0.03, 1.0, _LIPID, _LIPID),
    ("ischemic_heart_disease", 0.27, 0.15, 0.8, _IHD, _IHD),
    ("diabetes", 0.27, -0.08, 0.9, _DM, _DM),
    ("chronic_kidney_disease", 0.24, 0.2, 1.0, _CKD, _CKD),
    ("rheumatoid_arthritis__osteoarthritis_ra_oa", 0.33, 0.05, 1.2, _ARTHRITIS, _ARTHRITIS),
    ("depression", 0.18, 0.0, 1.3, _DEPRESSION, _DEPRESSION),
    ("heart_failure", 0.14, 0.4, 1.0, _HF, _HF),
    ("chronic_obstructive_pulmonary_disease_and_bronchiectasis", 0.11, 0.0, 1.0, _COPD, _COPD),
    ("atrial_fibrillation", 0.09, 0.4, 0.9, _AF, _AF),
    (
        "alzheimers_disease_and_related_disorders_or_senile_dementia",
        0.11,
        0.9,
        1.2,
        _DEMENTIA,
        _DEMENTIA,
    ),
    ("cancer", 0.08, 0.1, 0.8, _CANCER_F, _CANCER_M),
    ("osteoporosis", 0.07, 0.3, 1.6, _OSTEO, _OSTEO),
    ("stroke_transient_ischemic_attack", 0.04, 0.3, 1.0, _STROKE, _STROKE),
    ("asthma", 0.08, -0.1, 1.2, _ASTHMA, _ASTHMA),
)

# (code system, code, display, FHIR encounter class)
_VISITS = (
    ("cpt", "99213", "Office visit, established patient, low MDM", "AMB"),
    ("cpt", "99214", "Office visit, established patient, moderate MDM", "AMB"),
    ("cpt", "99215", "Office visit, established patient, high MDM", "AMB"),
)
_AWV = ("hcpcs", "G0439", "Annual wellness visit, subsequent", "AMB")
_ED = ("cpt", "99284", "Emergency department visit, moderate MDM", "EMER")
_INPATIENT = ("cpt", "99223", "Initial hospital inpatient care, high MDM", "IMP")

_FEMALE_NAMES = (  # noqa: SIM905 (a word list reads best as words)
    "Mary Patricia Linda Barbara Elizabeth Jennifer Maria Susan Margaret Dorothy Lisa Nancy "
    "Karen Betty Helen Sandra Donna Carol Ruth Sharon Michelle Laura Sarah Kimberly Deborah "
    "Jessica Shirley Cynthia Angela Melissa Brenda Amy Anna Rebecca Virginia Kathleen "
    "Pamela Martha Debra Joyce Judith Frances Gloria Evelyn Jean Cheryl Alice Rose Janet "
    "Diane"
).split()
_MALE_NAMES = (  # noqa: SIM905 (a word list reads best as words)
    "James John Robert Michael William David Richard Charles Joseph Thomas Christopher "
    "Daniel Paul Mark Donald George Kenneth Steven Edward Brian Ronald Anthony Kevin Jason "
    "Gary Timothy Jose Larry Jeffrey Frank Scott Eric Stephen Andrew Raymond Gregory Joshua "
    "Jerry Dennis Walter Patrick Peter Harold Douglas Henry Carl Arthur Ryan Roger Gerald"
).split()
_FAMILY_NAMES = (  # noqa: SIM905 (a word list reads best as words)
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
    "Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes "
    "Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Kelly Howard "
    "Ward Cox Richardson"
).split()
_STREETS = (  # noqa: SIM905 (a word list reads best as words)
    "Main St|Oak Ave|Maple St|Cedar Ln|Pine St|Elm St|Washington Ave|Lake Rd|Hill St|"
    "Park Ave|Church St|Mill Rd|River Rd|Spring St|Ridge Rd|Chestnut St|Walnut St|Union St"
).split("|")
# (city, state, ZIP, area code): towns around a fictional clinic in the Eastern time zone.
_TOWNS = (
    ("Harrisburg", "PA", "17101", "717"),
    ("Camp Hill", "PA", "17011", "717"),
    ("Mechanicsburg", "PA", "17055", "717"),
    ("Carlisle", "PA", "17013", "717"),
    ("Hershey", "PA", "17033", "717"),
    ("York", "PA", "17401", "717"),
    ("Lancaster", "PA", "17602", "717"),
    ("Lebanon", "PA", "17042", "717"),
    ("Hagerstown", "MD", "21740", "301"),
    ("Chambersburg", "PA", "17201", "717"),
)

# CMS MBI alphabet: letters except S, L, O, I, B, Z.
_MBI_A = "ACDEFGHJKMNPQRTUVWXY"
_MBI_N = "0123456789"
_MBI_AN = _MBI_N + _MBI_A
_MBI_POSITIONS = (
    "123456789",
    _MBI_A,
    _MBI_AN,
    _MBI_N,
    _MBI_A,
    _MBI_AN,
    _MBI_N,
    _MBI_A,
    _MBI_A,
    _MBI_N,
    _MBI_N,
)
_MBI_SPACE = 1
for _alphabet in _MBI_POSITIONS:
    _MBI_SPACE *= len(_alphabet)
_MBI_STRIDE = 1_000_000_007  # prime, coprime with the MBI space: index → MBI is one-to-one


@dataclass(frozen=True, slots=True)
class GeneratedCondition:
    """One chronic diagnosis on the problem list, with its CCW group and onset."""

    icd10_code: str
    display: str
    group: str
    onset_date: dt.date


@dataclass(frozen=True, slots=True)
class GeneratedEncounter:
    """One visit: office E/M, annual wellness visit, ED visit or inpatient stay."""

    date: dt.date
    encounter_class: str  # FHIR v3 ActCode: AMB, EMER, IMP
    type_system: str  # cpt or hcpcs
    type_code: str
    type_display: str


@dataclass(frozen=True, slots=True)
class GeneratedPatient:
    """One Medicare beneficiary with two years of history, the same for the same (seed, index)."""

    index: int
    mrn: str
    source_id: str
    given_name: str
    family_name: str
    sex: str  # female | male
    birth_date: dt.date
    phone: str
    address_line: str
    city: str
    state: str
    postal_code: str
    mbi: str
    coverage: str  # medicare_part_b | medicare_advantage | "" (unknown)
    coverage_start: dt.date
    qmb: bool
    deceased_date: dt.date | None
    usual_practitioner: int  # 0 or 1: which of the practice's two practitioners sees them
    conditions: tuple[GeneratedCondition, ...]
    encounters: tuple[GeneratedEncounter, ...]

    @property
    def part_b(self) -> bool | None:
        """Part B fee-for-service known (True), known absent (Medicare Advantage) or unknown."""
        return {"medicare_part_b": True, "medicare_advantage": False}.get(self.coverage)


def mrn_for(index: int) -> str:
    """The demo MRN of patient ``index``: stable, so a second demo finds what it made."""
    return f"D{index + 1:07d}"


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _mbi(number: int) -> str:
    """Spell ``number`` in the CMS MBI mixed radix (format-valid, fictional)."""
    chars = []
    for alphabet in reversed(_MBI_POSITIONS):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


def generate_patients(
    count: int, *, seed: int, today: dt.date, start: int = 0
) -> Iterator[GeneratedPatient]:
    """Yield patients ``start`` .. ``count - 1``, each fixed by (seed, index, today)."""
    draw = _Draw(seed, today)
    block = start // BLOCK
    while block * BLOCK < count:
        rng = random.Random(f"{seed}:{block}")
        for index in range(block * BLOCK, min(count, (block + 1) * BLOCK)):
            patient = draw.patient(rng, index)
            if index >= start:  # patients before start are drawn only to keep the sequence
                yield patient
        block += 1


# Chance of each condition by sex and age (65..95): a 2 x 31 table of tuples, built once.
_CHANCES = tuple(
    tuple(
        tuple(
            base * (1 + slope * (age - 11) / 10) * (factor if female else 2 - factor)
            for _, base, slope, factor, _, _ in CONDITIONS
        )
        for age in range(31)
    )
    for female in (False, True)
)
_ENCOUNTER_KINDS = (*_VISITS, _AWV, _ED, _INPATIENT)
_AWV_KIND, _ED_KIND, _INPATIENT_KIND = 3, 4, 5


class _Draw:
    """Tables that depend on ``today`` (dates, age ranges) and the shared encounter records."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.today = today.toordinal()
        # Birth-date ordinal range per age (65..95 on ``today``).
        self.ages = [
            (_years_before(today, age + 1).toordinal() + 1, _years_before(today, age).toordinal())
            for age in range(65, 96)
        ]
        # Every date the history needs (16 years back), built once: cheaper than fromordinal.
        self.first = self.today - 16 * 366
        self.days = [dt.date.fromordinal(o) for o in range(self.first, self.today + 1)]
        # Encounters are immutable and few distinct (730 days x 6 kinds): share them.
        self.encounters: dict[int, GeneratedEncounter] = {}
        self.mbi_offset = random.Random(f"mbi:{seed}").randrange(_MBI_SPACE)

    def encounter(self, key: int) -> GeneratedEncounter:
        """The shared record for ``key`` = ordinal * 8 + kind."""
        found = self.encounters.get(key)
        if found is None:
            system, code, display, klass = _ENCOUNTER_KINDS[key & 7]
            found = GeneratedEncounter(
                self.days[(key >> 3) - self.first], klass, system, code, display
            )
            self.encounters[key] = found
        return found

    def patient(self, rng: random.Random, index: int) -> GeneratedPatient:
        """Draw one patient; which draws happen never depends on ``today`` (stable across days)."""
        r = rng.random
        today, first, days = self.today, self.first, self.days
        female = r() < 0.56  # ~56% of beneficiaries 65+ are women
        names = _FEMALE_NAMES if female else _MALE_NAMES
        given = names[int(r() * len(names))]
        family = _FAMILY_NAMES[int(r() * len(_FAMILY_NAMES))]
        # Ages skew young: about half 65-74, a quarter 75-84, a fifth 85+.
        age = int(31 * r() ** 1.6)
        lo, hi = self.ages[age]
        birth_ordinal = lo + int(r() * (hi - lo + 1))
        town = _TOWNS[int(r() * len(_TOWNS))]
        street = f"{1 + int(r() * 9899)} {_STREETS[int(r() * len(_STREETS))]}"
        phone = f"({town[3]}) 555-01{int(r() * 100):02d}"

        conditions = []
        for condition, chance in zip(CONDITIONS, _CHANCES[female][age], strict=True):
            if r() < chance:
                codes = condition[4] if female else condition[5]
                code, display = codes[int(r() * len(codes))]
                # Onset 1 to 15 years ago, never before age 40.
                onset = max(today - 365 - int(r() * 14 * 365), birth_ordinal + 40 * 365)
                conditions.append(
                    GeneratedCondition(code, display, condition[0], days[onset - first])
                )
        n = len(conditions)

        roll = r()
        coverage = "medicare_part_b" if roll < 0.90 else "medicare_advantage" if roll < 0.98 else ""
        qmb = r() < 0.08
        roll = r()  # ~1% died in the last 600 days
        death = today - 1 - int(roll * 60_000) if roll < 0.01 else None
        practitioner = int(r() * 2)

        # ~3-6 encounters a year, more with more conditions, over the 730 days before today:
        # office visits, an annual wellness visit most years, now and then an ED visit or a stay.
        keys = []
        for _ in range(int(2 * (2.5 + min(2.5, 0.5 * n)) * (0.7 + 0.6 * r()) + 0.5)):
            when = r() * 730  # the fraction picks the visit level
            level = when % 1
            keys.append(
                (today - 1 - int(when)) * 8 + (0 if level < 0.55 else 1 if level < 0.92 else 2)
            )
        for year in (0, 1):
            when = today - 1 - year * 365 - int(r() * 365)
            if r() < 0.6:
                keys.append(when * 8 + _AWV_KIND)
            if r() < 0.1 + 0.03 * n:
                keys.append((when - 17) * 8 + _ED_KIND)
            if r() < 0.04 + 0.02 * n:
                keys.append((when - 41) * 8 + _INPATIENT_KIND)
        keys.sort()
        lowest, highest = (today - 730) * 8, ((death or today - 1) + 1) * 8
        encounter = self.encounter
        encounters = tuple(encounter(key) for key in keys if lowest <= key < highest)

        birth_date = dt.date.fromordinal(birth_ordinal)
        return GeneratedPatient(
            index=index,
            mrn=mrn_for(index),
            source_id=f"demo-{index + 1}",
            given_name=given,
            family_name=family,
            sex="female" if female else "male",
            birth_date=birth_date,
            phone=phone,
            address_line=street,
            city=town[0],
            state=town[1],
            postal_code=town[2],
            mbi=_mbi((self.mbi_offset + index * _MBI_STRIDE) % _MBI_SPACE),
            coverage=coverage,
            coverage_start=_years_before(birth_date, -65).replace(day=1),
            qmb=qmb,
            deceased_date=None if death is None else days[death - first],
            usual_practitioner=practitioner,
            conditions=tuple(conditions),
            encounters=encounters,
        )


# -- the clinical picture an EMR export brings (the demo's patient pages and outcome reports) --
#: ICD-10-CM category → the medicine Synthea's FHIR exports list for it (RxNorm code and
#: display as seen in ../shared/data): one per condition group a generated patient can have.
MEDICINES: dict[str, tuple[str, str]] = {
    "I10": ("314076", "lisinopril 10 MG Oral Tablet"),
    "E11": ("860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"),
    "E78": ("314231", "Simvastatin 10 MG Oral Tablet"),
    "I25": ("243670", "Aspirin 81 MG Oral Tablet"),
    "I50": ("866412", "24 HR metoprolol succinate 100 MG Extended Release Oral Tablet"),
    "J44": ("351137", "albuterol 0.21 MG/ML Inhalation Solution"),
    "J45": ("351109", "budesonide 0.25 MG/ML Inhalation Suspension"),
    "M81": ("904419", "Alendronic acid 10 MG Oral Tablet"),
    "M17": ("313782", "Acetaminophen 325 MG Oral Tablet"),
    "M19": ("313782", "Acetaminophen 325 MG Oral Tablet"),
}
#: An older antihypertensive some hypertensive patients stopped: a reconciliation to do.
STOPPED_MEDICINE = ("310798", "Hydrochlorothiazide 25 MG Oral Tablet")
#: eGFR range (mL/min/1.73 m²) of each CKD stage code the generator writes (KDIGO G3a–G4).
_EGFR = {"N18.31": (45, 59), "N18.32": (30, 44), "N18.30": (30, 59), "N18.4": (15, 29)}
_ALLERGIES = (
    ("Penicillin V", "Hives", "high"),
    ("Sulfamethoxazole", "Rash", "low"),
    ("Shellfish", "Swelling of the lips", "high"),
    ("Latex", "Itching", "low"),
)


@dataclass(frozen=True, slots=True)
class GeneratedMeasurement:
    """A vital sign or lab at a visit: kind as ccm stores it (blood_pressure, weight, hba1c,
    egfr); VALUE2 is the diastolic of a blood pressure."""

    kind: str
    date: dt.date
    value: Decimal
    value2: Decimal | None
    unit: str


@dataclass(frozen=True, slots=True)
class ClinicalPicture:
    """What an EMR export holds for one patient beside conditions and visits."""

    measurements: tuple[GeneratedMeasurement, ...]
    medicines: tuple[tuple[str, str, str], ...]  # (RxNorm, display, active | stopped)
    allergy: tuple[str, str, str] | None  # (substance, reaction, criticality)


def clinical_picture(
    codes: list[str], visits: list[dt.date], rng: random.Random
) -> ClinicalPicture:
    """Blood pressure and weight at every visit (higher pressure with hypertension, drifting
    down as care goes on), an HbA1c only with diabetes, an eGFR in the CKD stage's range, one
    active medicine per condition group, and an allergy for about one patient in four.
    Clinical plausibility for a demo, not a model of any population."""
    hypertensive = any(c.startswith("I10") for c in codes)
    diabetic = any(c.startswith("E11") for c in codes)
    ckd = next((_EGFR[c] for c in codes if c in _EGFR), None)
    systolic = rng.randint(138, 162) if hypertensive else rng.randint(112, 134)
    weight = Decimal(rng.randint(550, 1050)) / 10
    a1c = Decimal(rng.randint(65, 98)) / 10
    egfr = rng.randint(*ckd) if ckd else 0
    rows: list[GeneratedMeasurement] = []
    for day in visits:
        systolic += rng.randint(-6, 4)
        diastolic = Decimal(systolic * 6 // 10 + rng.randint(-4, 6))
        rows.append(
            GeneratedMeasurement("blood_pressure", day, Decimal(systolic), diastolic, "mm[Hg]")
        )
        weight += Decimal(rng.randint(-15, 12)) / 10
        rows.append(GeneratedMeasurement("weight", day, weight, None, "kg"))
        if diabetic:
            a1c = max(Decimal("5.8"), a1c + Decimal(rng.randint(-4, 3)) / 10)
            rows.append(GeneratedMeasurement("hba1c", day, a1c, None, "%"))
        if ckd:
            egfr = max(ckd[0] - 3, egfr + rng.randint(-3, 2))
            rows.append(GeneratedMeasurement("egfr", day, Decimal(egfr), None, "mL/min/{1.73_m2}"))
    wanted = {MEDICINES[c[:3]] for c in codes if c[:3] in MEDICINES}
    if hypertensive and rng.random() < 0.4:
        wanted.add(STOPPED_MEDICINE)
    medicines = tuple(
        (code, display, "stopped" if (code, display) == STOPPED_MEDICINE else "active")
        for code, display in sorted(wanted)
    )
    allergy = rng.choice(_ALLERGIES) if rng.random() < 0.25 else None
    return ClinicalPicture(tuple(rows), medicines, allergy)
