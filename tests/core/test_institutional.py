"""RHC/FQHC months on the institutional claim: form, type of bill, revenue codes by date,
G0511 by date of service, cost sharing by clinic type (cms-rules §13)."""

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

from ccm.rules.contract import case_from_json, month_to_json
from ccm.rules.fees import default_fees
from ccm.rules.institutional import (
    RevenueCodeSetting,
    bills_g0511,
    claim_form,
    cost_sharing,
    monthly_code,
    revenue_code_on,
    revenue_code_problem,
)

D = dt.date


def test_clinics_bill_on_the_837i_and_offices_on_the_837p():
    assert [claim_form(s) for s in ("office", "rhc", "fqhc")] == ["837p", "837i", "837i"]


def test_g0511_through_september_30_2025_then_the_individual_codes():
    assert bills_g0511("fqhc", "ccm", D(2025, 9, 30))
    assert not bills_g0511("fqhc", "ccm", D(2025, 10, 1))
    assert bills_g0511("rhc", "pcm", D(2025, 1, 2))
    assert not bills_g0511("office", "ccm", D(2025, 9, 1))
    assert not bills_g0511("rhc", "apcm", D(2025, 9, 1))  # APCM is billed as itself from 2025
    assert monthly_code("rhc", "ccm", "99490", D(2025, 9, 1)) == "G0511"
    assert monthly_code("rhc", "ccm", "99490", D(2025, 10, 1)) == "99490"


def test_revenue_code_follows_the_practices_dated_setting_else_the_default():
    settings = (
        RevenueCodeSetting(D(2026, 1, 1), "0529"),
        RevenueCodeSetting(D(2025, 10, 1), "0520"),
    )
    assert revenue_code_on(D(2025, 9, 30), settings) == "0521"  # the default 052X code
    assert revenue_code_on(D(2025, 10, 1), settings) == "0520"
    assert revenue_code_on(D(2026, 3, 4), settings) == "0529"
    assert revenue_code_on(D(2026, 3, 4)) == "0521"


def test_a_bad_revenue_code_is_explained_with_the_default():
    assert revenue_code_problem("0521", D(2026, 1, 1)) is None
    problem = revenue_code_problem("52A", D(2026, 1, 1))
    assert problem is not None and "4 digits" in problem and "0521" in problem


def test_fqhc_waives_the_deductible_and_rhc_does_not():
    fqhc, rhc, office = (cost_sharing(s, D(2026, 3, 31)) for s in ("fqhc", "rhc", "office"))
    assert (fqhc.coinsurance_rate, fqhc.deductible_applies) == (Decimal("0.20"), False)
    assert (rhc.coinsurance_rate, rhc.deductible_applies) == (Decimal("0.20"), True)
    assert office.deductible_applies and office.finding.rule.cite == "cms-rules §9"
    assert "1395l(b)(4)" in fqhc.finding.text and fqhc.finding.rule.cite == "cms-rules §13"


def _case(month: str, setting: str, minutes: int = 20) -> dict:
    return {
        "month": month,
        "practice": {"setting": setting},
        "patient": {"medicare_part_b": True, "chronic_conditions": ["E11.9", "I10"]},
        "enrollment": {"program": "ccm", "consent_date": "2025-01-05",
                       "initiating_visit_date": "2024-11-20", "care_plan_date": "2025-01-10"},
        "time": [{"date": f"{month}-04", "minutes": minutes, "performer": "clinical_staff",
                  "service": "ccm"}],
    }  # fmt: skip


def test_the_g0511_finding_names_what_it_replaced_and_its_price_basis():
    doc = month_to_json(case_from_json(_case("2025-09", "rhc", 45)), default_fees())
    texts = " ".join(f["text"] for f in doc["institutional"]["findings"])
    assert "99439 ×1, 99490 ×1 billed as G0511 ×1" in texts and "§1b" in texts
    assert doc["institutional"]["type_of_bill"] == "0711"


def test_cli_prints_the_institutional_field_and_a_summary():
    case = json.dumps(_case("2025-10", "fqhc")).encode()
    run = [sys.executable, "-m", "ccm.rules.command", "rules", "month", "-"]
    piped = subprocess.run([*run, "--json"], input=case, capture_output=True, check=True)
    doc = json.loads(piped.stdout)
    assert doc["institutional"]["lines"][0]["revenue_code"] == "0521"
    assert doc["lines"][0]["code"] == "99490"  # the contract's own fields are unchanged
    text = subprocess.run([*run, "--text"], input=case, capture_output=True, check=True)
    assert b"type of bill 0771" in text.stdout and b"0521 99490" in text.stdout


def test_usual_code_and_coinsurance_follow_the_clinic_type():
    from ccm.periods import BillingMonth
    from ccm.rules import month_policy, usual_coinsurance
    from ccm.types import Practice

    september, october = month_policy(BillingMonth(2025, 9)), month_policy(BillingMonth(2025, 10))
    assert september.usual_code("ccm", setting="fqhc") == "G0511"
    assert september.usual_code("pcm", setting="rhc") == "G0511"
    assert september.usual_code("ccm") == "99490"
    assert october.usual_code("ccm", setting="fqhc") == "99490"
    assert september.usual_code("apcm", 2, False, "fqhc") == "G0557"
    conditions = ("E11.9", "I10")
    fqhc = Practice(setting="fqhc", locality="0111205")
    assert usual_coinsurance("ccm", conditions, False, fqhc, D(2025, 9, 15)) == Decimal("10.93")
    assert usual_coinsurance("ccm", conditions, False, fqhc, D(2025, 10, 15)) == Decimal("12.10")
    assert usual_coinsurance("ccm", conditions, True, fqhc, D(2025, 9, 15)) == Decimal("0.00")
