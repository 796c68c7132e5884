"""The public API the web layer asks: the month's policy, blockers with fixes, the verdict."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings

from ccm.periods import BillingMonth
from ccm.rules import Kind, Rule, Status, blockers, evaluate_month, month_policy, month_verdict
from ccm.rules.parameters import value
from ccm.types import Enrollment, MonthCase, OtherService, Patient, Practice, TimeEntry
from month_strategies import month_cases

MARCH = BillingMonth(2026, 3)


def _case(**changes: object) -> MonthCase:
    case = MonthCase(
        MARCH,
        Practice(),
        Patient(True, False, ("E11.9", "I10")),
        Enrollment("ccm", dt.date(2026, 1, 5), None, dt.date(2025, 11, 20), dt.date(2026, 1, 10)),
    )
    return dataclasses.replace(case, **changes)  # type: ignore[arg-type]


def _time(
    *minutes: int, performer: str = "clinical_staff", service: str = "ccm"
) -> tuple[TimeEntry, ...]:
    return tuple(
        TimeEntry(dt.date(2026, 3, 2 + i), m, performer, service) for i, m in enumerate(minutes)
    )


def test_policy_reads_the_parameters_in_force() -> None:
    policy = month_policy(MARCH)
    ccm, pcm = policy.base_unit("ccm"), policy.base_unit("pcm")
    assert ccm is not None and pcm is not None
    assert ccm.minutes == value("ccm_base_minutes", MARCH.first)
    assert pcm.minutes == value("pcm_staff_base_minutes", MARCH.first)
    assert (ccm.code, pcm.code) == ("99490", "99426")  # month-contract step 3–4's first options
    assert policy.base_unit("apcm") is None
    ccm_add_on, pcm_add_on = policy.add_on_unit("ccm"), policy.add_on_unit("pcm")
    assert ccm_add_on is not None and pcm_add_on is not None
    assert (ccm_add_on.code, ccm_add_on.minutes) == (
        "99439",
        value("ccm_addon_minutes", MARCH.first),
    )
    assert pcm_add_on.code == "99427" and policy.add_on_unit("apcm") is None
    assert [policy.min_conditions(p) for p in ("ccm", "pcm", "apcm")] == [2, 1, 0]
    assert (policy.visit_window("ccm"), policy.visit_window("apcm")) == ("12 months", "3 years")
    assert policy.earliest_visit("ccm", dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    # a consent may be dated back to the look-back's start, APCM's not before APCM began
    assert policy.earliest_consent("ccm", dt.date(2026, 12, 2)) == dt.date(2025, 12, 2)
    assert policy.earliest_consent("apcm", dt.date(2026, 12, 2)) == dt.date(2025, 1, 1)
    assert policy.earliest_consent("apcm", dt.date(2028, 6, 30)) == dt.date(2025, 6, 30)
    assert policy.coinsurance_rate == Decimal(str(value("coinsurance_rate", MARCH.first)))
    assert policy.coinsurance(Decimal("66.13")) == Decimal("13.23")  # month-contract example
    assert [policy.usual_code("apcm", n, qmb) for n, qmb in ((1, True), (2, False), (2, True))] == [
        "G0556",
        "G0557",
        "G0558",
    ]
    assert "cap_99439" in policy.unconfirmed() and "ccm_base_minutes" not in policy.unconfirmed()
    assert policy.in_force()["ccm_base_minutes"] == ccm.minutes


def test_findings_carry_a_typed_rule_and_the_contract_writes_its_section() -> None:
    result = evaluate_month(_case(time=_time(22)))
    assert [f.rule for f in result.findings] == [Rule.REQUIREMENTS_MET, Rule.BILLED]
    assert Rule.BILLED.cite == "cms-rules §1a" and str(Rule.PART_B) == "cms-rules §9"
    assert Rule.VISIT_TOO_EARLY.kind is Kind.GATE and Rule.VISIT_TOO_EARLY.blocks
    assert not Rule.TCM_ALLOWED.blocks and not Rule.REQUIREMENTS_MET.blocks


def test_blockers_say_what_to_fix_with_the_programs_own_window() -> None:
    old_visit = Enrollment("apcm", dt.date(2026, 1, 5), None, dt.date(2022, 1, 1), None)
    (found,) = blockers(_case(enrollment=old_visit), evaluate_month(_case(enrollment=old_visit)))
    assert found.finding.rule is Rule.VISIT_TOO_EARLY
    assert (
        found.label == "Initiating visit too old" and "within 3 years before consent" in found.fix
    )
    one = _case(patient=Patient(True, False, ("E11.9",)))
    (few,) = blockers(one, evaluate_month(one))
    assert few.fix == "Document at least two chronic conditions expected to last 12 months or more."


def test_verdict_billable_held_or_nothing() -> None:
    assert month_verdict(_case(time=_time(22))).status is Status.BILLABLE
    elsewhere = month_verdict(_case(time=_time(22)), billed_elsewhere=True)
    assert elsewhere.status is Status.HELD and "another practice" in elsewhere.reason
    no_b = _case(patient=Patient(False, False, ("E11.9", "I10")), time=_time(12, 10))
    held = month_verdict(no_b)
    assert held.status is Status.HELD and held.reason.endswith("(cms-rules §9)")
    assert held.fix.startswith("Verify Medicare Part B")
    little = month_verdict(dataclasses.replace(no_b, time=_time(12)))
    assert little.status is Status.NOTHING and little.blockers
    assert month_verdict(_case(time=_time(12))).status is Status.NOTHING


def test_a_note_is_never_read_as_a_stop() -> None:
    """25 min by staff who do not count, and a TCM visit (a §8 note): nothing to bill, not held.
    Matching citations by substring once held this month with the §8 exclusion's fix."""
    case = _case(time=_time(25, performer="other"), other_services=(OtherService("99495"),))
    verdict = month_verdict(case)
    assert Rule.TCM_ALLOWED in {f.rule for f in verdict.result.findings}
    assert verdict.status is Status.NOTHING and not verdict.blockers


def test_target_is_the_next_unit_or_the_first_code() -> None:
    assert month_verdict(_case(time=_time(12))).target == evaluate_month(_case(time=_time(12))).next
    stopped = month_verdict(_case(patient=Patient(False), time=_time(12)))
    assert stopped.result.next is None
    assert stopped.target is not None and (stopped.target.code, stopped.target.minutes_needed) == (
        "99490",
        8,
    )


@settings(deadline=None)
@given(month_cases())
def test_verdict_follows_the_lines_and_the_blockers(case: MonthCase) -> None:
    verdict = month_verdict(case)
    assert (verdict.status is Status.BILLABLE) == verdict.result.billable
    assert [b.finding for b in verdict.blockers] == [
        f for f in verdict.result.findings if f.rule.blocks
    ]
    if verdict.blockers:
        assert not verdict.result.billable
    if verdict.status is Status.HELD:
        assert verdict.fix
