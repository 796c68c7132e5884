"""Pure CMS care-management rules: month lines, fees, program choice (docs/spec/cms-rules.md).

The public API the web layer calls (it writes no code, rate, threshold or window itself):

- `evaluate_month(case)`: one patient-month in, lines, money and typed findings out
  (docs/spec/month-contract.md).
- `month_verdict(case, result)`: billable / held / nothing, the blockers with their fix in
  words, and the unit to work toward: what the worklist and the close both show.
- `blockers(case, result)`: just the blockers (gates and exclusions) of a month.
- `month_policy(month)`: the month's thresholds, codes, look-back windows and rates.
- `usual_coinsurance(...)`: what a patient should expect to owe a month (the consent script).
- `cost_sharing(setting, on)`: the patient's share and whether the Part B deductible applies,
  by clinic type (an FQHC waives the deductible); `claim_form(setting)`: 837p or 837i;
  `institutional_month(case, result, fees)`: an RHC/FQHC month as its 837I bills it.
- `coverage_in_words(kinds, part_b, qmb)`: whom care management is billed to, in words.
- `Finding`, `Rule`, `Kind`: a finding's `rule` is a `Rule` member carrying its kind and its
  cms-rules section (`rule.cite`); compare members, never citation text.
"""

from ccm.rules.coverage import coverage_in_words
from ccm.rules.institutional import (
    CostSharing,
    InstitutionalMonth,
    claim_form,
    cost_sharing,
    institutional_month,
)
from ccm.rules.month import evaluate_month
from ccm.rules.policy import MonthPolicy, Threshold, month_policy, usual_coinsurance
from ccm.rules.verdict import Blocker, MonthVerdict, Status, blockers, month_verdict
from ccm.types import Finding, Kind, Rule

__all__ = [
    "Blocker",
    "CostSharing",
    "InstitutionalMonth",
    "Finding",
    "Kind",
    "MonthPolicy",
    "MonthVerdict",
    "Rule",
    "Status",
    "Threshold",
    "blockers",
    "claim_form",
    "coverage_in_words",
    "cost_sharing",
    "evaluate_month",
    "institutional_month",
    "month_policy",
    "month_verdict",
    "usual_coinsurance",
]
