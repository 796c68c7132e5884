"""Month parameters resolved once per month: thresholds, caps, policies and billing options (cms-rules §1a, §12)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache

from ccm.codes import count_conditions as codes_count_conditions
from ccm.codes import is_valid_icd10cm
from ccm.periods import BillingMonth, years_before
from ccm.rules.parameters import value


@dataclass(frozen=True, slots=True)
class MonthRules:
    """Parameters in force for one month, resolved once and cached (parameters/*.yaml)."""

    first: dt.date
    last: dt.date
    last_plus: dt.date
    ccm_base: int
    ccm_addon: int
    cap_99439: int | None
    complex_base: int
    complex_addon: int
    cap_99489: int | None
    practitioner_base: int
    practitioner_addon: int
    cap_99437: int | None
    pcm_base: int
    pcm_addon: int
    cap_99427: int | None
    pcm_practitioner_base: int
    pcm_practitioner_addon: int
    cap_99425: int | None
    ccm_min_conditions: int
    pcm_min_conditions: int
    visit_years: int
    apcm_visit_years: int
    bar_home_health_esrd: bool
    pcm_ccm_different_ok: bool
    apcm_blocks_communication: bool
    coinsurance_numerator: int
    coinsurance_denominator: int


@cache
def month_rules(year: int, month: int) -> MonthRules:
    """Resolve every parameter for a month once (values apply from their effective date)."""
    bm = BillingMonth(year, month)
    on = bm.first

    def v(name: str) -> int:
        return int(value(name, on))

    def cap(name: str) -> int | None:
        found = value(name, on)
        return None if found is None else int(found)

    rate = Fraction(str(value("coinsurance_rate", on)))
    return MonthRules(
        first=bm.first,
        last=bm.last,
        last_plus=bm.next().first,
        ccm_base=v("ccm_base_minutes"),
        ccm_addon=v("ccm_addon_minutes"),
        cap_99439=cap("cap_99439"),
        complex_base=v("complex_base_minutes"),
        complex_addon=v("complex_addon_minutes"),
        cap_99489=cap("cap_99489"),
        practitioner_base=v("practitioner_ccm_base_minutes"),
        practitioner_addon=v("practitioner_ccm_addon_minutes"),
        cap_99437=cap("cap_99437"),
        pcm_base=v("pcm_staff_base_minutes"),
        pcm_addon=v("pcm_staff_addon_minutes"),
        cap_99427=cap("cap_99427"),
        pcm_practitioner_base=v("pcm_practitioner_base_minutes"),
        pcm_practitioner_addon=v("pcm_practitioner_addon_minutes"),
        cap_99425=cap("cap_99425"),
        ccm_min_conditions=v("ccm_min_conditions"),
        pcm_min_conditions=v("pcm_min_conditions"),
        visit_years=v("initiating_visit_lookback_years"),
        apcm_visit_years=v("apcm_initiating_visit_lookback_years"),
        bar_home_health_esrd=bool(value("ccm_barred_with_home_health_esrd", on)),
        pcm_ccm_different_ok=bool(value("pcm_ccm_different_practitioners_allowed", on)),
        apcm_blocks_communication=bool(value("apcm_blocks_communication_technology_codes", on)),
        coinsurance_numerator=rate.numerator,
        coinsurance_denominator=rate.denominator,
    )


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One way to bill the month: a base code at a threshold and an add-on per further block (cms-rules §1a)."""

    name: str
    base: str
    addon: str
    threshold: int
    step: int
    cap: int | None
    by_practitioner: bool
    complex_only: bool


def _options(rules: MonthRules, program: str) -> tuple[OptionSpec, ...]:
    if program == "ccm":
        return (
            OptionSpec(
                "non-complex CCM",
                "99490",
                "99439",
                rules.ccm_base,
                rules.ccm_addon,
                rules.cap_99439,
                False,
                False,
            ),
            OptionSpec(
                "complex CCM",
                "99487",
                "99489",
                rules.complex_base,
                rules.complex_addon,
                rules.cap_99489,
                False,
                True,
            ),
            OptionSpec(
                "practitioner CCM",
                "99491",
                "99437",
                rules.practitioner_base,
                rules.practitioner_addon,
                rules.cap_99437,
                True,
                False,
            ),
        )
    return (
        OptionSpec(
            "PCM clinical staff",
            "99426",
            "99427",
            rules.pcm_base,
            rules.pcm_addon,
            rules.cap_99427,
            False,
            False,
        ),
        OptionSpec(
            "PCM practitioner",
            "99424",
            "99425",
            rules.pcm_practitioner_base,
            rules.pcm_practitioner_addon,
            rules.cap_99425,
            True,
            False,
        ),
    )


@cache
def options_for(year: int, month: int, program: str) -> tuple[OptionSpec, ...]:
    """The month's CCM or PCM options in the contract's order (month-contract steps 3–4)."""
    return _options(month_rules(year, month), program)


@lru_cache(maxsize=65536)
def count_conditions(codes: tuple[str, ...]) -> int:
    """Distinct chronic conditions, each counted once (month-contract; cms-rules §2).

    Codes sharing a condition group, or else a 3-character category, are one condition; a
    combination code (I13.0) stands for one of its groups, whichever the other codes leave.
    """
    return codes_count_conditions(codes)


@lru_cache(maxsize=65536)
def valid_code(code: str) -> bool:
    """Whether a code is a valid ICD-10-CM code, for the §2 note (cached)."""
    return is_valid_icd10cm(code)


@lru_cache(maxsize=65536)
def conditions_of(codes: tuple[str, ...]) -> tuple[int, bool]:
    """Distinct conditions and whether every code is valid, cached per code list (cms-rules §2)."""
    return count_conditions(codes), all(map(valid_code, codes))


@lru_cache(maxsize=65536)
def earliest_visit(consent: dt.date, years: int) -> dt.date:
    """The earliest initiating visit that still opens the program (cms-rules §4)."""
    return years_before(consent, years)


def min_conditions(rules: MonthRules, program: str) -> int:
    """Distinct chronic conditions the program needs: CCM 2, PCM 1, APCM any (cms-rules §2)."""
    if program == "ccm":
        return rules.ccm_min_conditions
    return rules.pcm_min_conditions if program == "pcm" else 0


def visit_years(rules: MonthRules, program: str) -> int:
    """How many years before consent an initiating visit may be: APCM 3, else 1 (cms-rules §4)."""
    return rules.apcm_visit_years if program == "apcm" else rules.visit_years


def apcm_code(conditions: int, qmb: bool) -> str:
    """APCM's level: G0556 for 0–1 chronic conditions, G0557 for 2+, G0558 for 2+ and a QMB
    patient (cms-rules §2; month-contract step 5)."""
    if conditions <= 1:
        return "G0556"
    return "G0558" if qmb else "G0557"


@lru_cache(maxsize=4096)
def money(cents: int) -> Decimal:
    """Integer cents as the contract's 2-place Decimal, shared."""
    return Decimal(cents).scaleb(-2)


def coinsurance_cents(total: int, rules: MonthRules) -> int:
    """20% half-up to the cent (cms-rules §9)."""
    num, den = rules.coinsurance_numerator, rules.coinsurance_denominator
    return (2 * total * num + den) // (2 * den)
