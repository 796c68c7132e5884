"""Program choice: the estimate follows the month rules on the patient's recent minutes."""

from decimal import Decimal

from ccm.periods import BillingMonth
from ccm.rules.program_choice import MonthMinutes, PatientHistory, compare_programs
from ccm.types import Practice, Rule


def _history(
    conditions: tuple[str, ...], months: tuple[MonthMinutes, ...], qmb: bool = False
) -> PatientHistory:
    return PatientHistory(BillingMonth(2026, 3), Practice(), conditions, qmb, "low", months)


def test_busy_two_condition_patient_pays_more_under_ccm() -> None:
    choice = compare_programs(
        _history(("E11.9", "I10"), (MonthMinutes(60, 0), MonthMinutes(40, 0)))
    )
    by = {e.program: e for e in choice.estimates}
    assert choice.best == "ccm"
    assert by["ccm"].monthly_payment == Decimal(
        "141.79"
    )  # (167.01 + 116.57) / 2, cms-rules §1b 2026
    assert by["apcm"].monthly_payment == Decimal("53.78")  # G0557


def test_quiet_months_favour_apcm() -> None:
    choice = compare_programs(
        _history(("E11.9", "I10"), (MonthMinutes(10, 0), MonthMinutes(15, 0)))
    )
    assert choice.best == "apcm"
    by = {e.program: e for e in choice.estimates}
    assert by["ccm"].monthly_payment == Decimal("0.00")
    assert by["ccm"].billable_months == 0


def test_single_condition_cannot_bill_ccm() -> None:
    choice = compare_programs(_history(("J44.9",), (MonthMinutes(35, 0),)))
    by = {e.program: e for e in choice.estimates}
    assert by["ccm"].monthly_payment == Decimal("0.00")
    assert any(f.rule is Rule.TOO_FEW_CONDITIONS for f in by["ccm"].findings)
    assert choice.best == "pcm" and by["pcm"].monthly_payment == Decimal("67.80")
