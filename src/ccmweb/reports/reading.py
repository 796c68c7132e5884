"""What each report shows, read from the monthly facts only: tables (the page, the CSV and
the PDF show the same ones), charts and the notes that say what a figure means.

A report covers PRACTICES (one, or all the user may see) and the WINDOW of months ending at the
chosen month; organisation-wide figures are sums over practices, and rates are computed from
the summed counts (never averaged percentages)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db.models import Sum

from ccm.periods import BillingMonth
from ccm.reports import capacity, measures
from ccm.reports.contract import agreed_share, care_cost
from ccm.reports.exclusions import CMS122, CMS165, FRAILTY_AGE, FRAILTY_ALONE_AGE, ValueSets
from ccm.reports.rates import MIN_CELL, per_thousand, per_unit, percent, suppressed
from ccmweb.billing.balances import AGES

from . import charts
from .models import CodeMonth, CoordinatorMonth, OutcomeMonth, PracticeMonth, ServiceContract
from .refresh import value_sets

ZERO = Decimal("0.00")
SUPPRESSED = f"< {MIN_CELL}"


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    id: str = ""


@dataclass
class Report:
    kind: str
    title: str
    tables: list[Table] = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)  # headline numbers, named


def window(month: BillingMonth, count: int) -> list[BillingMonth]:
    """COUNT months ending with MONTH, oldest first."""
    found = [month]
    while len(found) < count:
        found.append(found[-1].previous())
    return found[::-1]


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value}%"


def month_sums(practice_ids: Sequence[int], months: Sequence[BillingMonth]) -> dict[dt.date, Any]:
    """Each month's practice facts summed over PRACTICE_IDS (months with no facts: absent)."""
    numeric = [
        "patients", "eligible", "eligible_open", "consented", "active", "billed_patients",
        "revoked", "minutes", "patients_with_minutes", "claims", "charges", "billed", "paid",
        "adjusted", "patient_responsibility", "denied", "open_balance", "potential",
    ]  # fmt: skip
    rows = (
        PracticeMonth.objects.filter(
            practice_id__in=practice_ids, month__in=[m.first for m in months]
        )
        .values("month")
        .annotate(**{name: Sum(name) for name in numeric})
    )
    return {row["month"]: row for row in rows}


def months_with_facts(
    practice_ids: Sequence[int],
    chosen: Sequence[BillingMonth],
    rows: list[list[Any]],
    width: int,
    series: dict[str, list[float | None]],
) -> Iterator[tuple[BillingMonth, Any]]:
    """Each month of CHOSEN with its facts summed over PRACTICE_IDS (month_sums), for a report
    to add its row and its series' points; a month without facts is padded here, for every
    report alike: a blank row of WIDTH cells after the month in ROWS, a gap in each series."""
    sums = month_sums(practice_ids, chosen)
    for m in chosen:
        row = sums.get(m.first)
        if row is not None:
            yield m, row
            continue
        rows.append([str(m), *[""] * (width - 1)])
        for values in series.values():
            values.append(None)


def program(practice_ids: Sequence[int], month: BillingMonth, months: int, target: int) -> Report:
    """The enrollment funnel over time, billed rate, churn, minutes, months to the target."""
    chosen = window(month, months)
    report = Report("program", "Program")
    rows: list[list[Any]] = []
    series: dict[str, list[float | None]] = {
        k: [] for k in ("Eligible", "Consented (new)", "Enrolled", "Billed")
    }
    reached: str | None = None
    first_enrolled: str | None = None
    for m, row in months_with_facts(practice_ids, chosen, rows, 11, series):
        billed_rate = percent(row["billed_patients"], row["active"])
        minutes_each = per_unit(row["minutes"], row["active"])
        rows.append([
            str(m), row["patients"], _blank(row["eligible"]), _blank(row["eligible_open"]),
            row["consented"], row["active"], row["billed_patients"], _pct(billed_rate),
            row["revoked"], row["minutes"], "" if minutes_each is None else str(minutes_each),
        ])  # fmt: skip
        series["Eligible"].append(row["eligible"])
        series["Consented (new)"].append(row["consented"])
        series["Enrolled"].append(row["active"])
        series["Billed"].append(row["billed_patients"])
        if row["active"] and first_enrolled is None:
            first_enrolled = str(m)
        if reached is None and row["eligible"] and row["active"] * 100 >= target * row["eligible"]:
            reached = str(m)
    report.tables.append(Table(
        "Enrollment funnel by month", ["Month", "Patients", "Eligible", "Eligible, not enrolled",
        "New consents", "Enrolled", "Billed patients", "Billed rate", "Revocations", "Minutes",
        "Minutes per enrolled patient"], rows, "funnel",
    ))  # fmt: skip
    reasons: Counter[str] = Counter()
    for reason_counts in PracticeMonth.objects.filter(
        practice_id__in=practice_ids, month__in=[m.first for m in chosen]
    ).values_list("revoked_reasons", flat=True):
        reasons.update({k: int(v) for k, v in (reason_counts or {}).items()})
    report.tables.append(Table(
        "Churn: revocations by reason", ["Reason", "Revocations"],
        [[reason, count] for reason, count in reasons.most_common()], "churn",
    ))  # fmt: skip
    labels = [str(m) for m in chosen]
    report.charts.append(charts.line_chart("Enrollment funnel", labels, series))
    months_to = _months_between(first_enrolled, reached)
    report.figures = {
        "first_enrolled": first_enrolled,
        "target_reached": reached,
        "months_to_target": months_to,
    }
    report.notes += [
        "Eligible: patients the CMS rules find eligible for CCM, PCM or APCM as of the month's "
        "last day (the enrollment gap audit). Enrolled: consent accepted and not revoked before "
        "the month (a revocation ends enrollment at the end of its month). Billed rate: enrolled "
        "patients with a claim for the month, of the enrolled.",
        f"Optimal enrollment is your target of {target}% of eligible patients enrolled (your "
        "choice, not a CMS figure): "
        + (f"reached in {reached}, {months_to} months after the first enrollment ({first_enrolled})."
           if reached and months_to is not None else "not reached in these months."),
    ]  # fmt: skip
    return report


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _months_between(first: str | None, last: str | None) -> int | None:
    if first is None or last is None:
        return None
    a, b = BillingMonth.parse(first), BillingMonth.parse(last)
    return (b.year - a.year) * 12 + b.month - a.month


def revenue(
    practice_ids: Sequence[int], month: BillingMonth, months: int, today: dt.date
) -> Report:
    """Billed, paid, denied, adjusted, patient share, open A/R by age, captured vs potential."""
    chosen = window(month, months)
    report = Report("revenue", "Revenue")
    rows: list[list[Any]] = []
    series: dict[str, list[float | None]] = {"Potential": [], "Billed": [], "Paid": []}
    ages: dict[str, Decimal] = {label: ZERO for _, label in AGES}
    for m, row in months_with_facts(practice_ids, chosen, rows, 11, series):
        gap = None if row["potential"] is None else row["potential"] - row["billed"]
        rows.append([
            str(m), row["claims"], _money(row["charges"]), _money(row["billed"]), _money(row["paid"]),
            _money(row["adjusted"]), _money(row["patient_responsibility"]), _money(row["denied"]),
            _money(row["open_balance"]), _money(row["potential"]), _money(gap),
        ])  # fmt: skip
        series["Potential"].append(None if row["potential"] is None else float(row["potential"]))
        series["Billed"].append(float(row["billed"]))
        series["Paid"].append(float(row["paid"]))
        age = (today - m.last).days
        label = next(lbl for limit, lbl in AGES if limit is None or age <= limit)
        ages[label] += row["open_balance"] or ZERO
    report.tables.append(Table(
        "Money by month of service", ["Month", "Claims", "Charges", "Billed (Medicare amount)",
        "Paid", "Adjusted", "Patient responsibility", "Denied", "Open A/R", "Potential",
        "Gap (potential − billed)"], rows, "money",
    ))  # fmt: skip
    report.tables.append(Table(
        "Open A/R by age (days since the month of service ended)",
        ["Age", "Open"], [[label, _money(amount)] for label, amount in ages.items()], "ar",
    ))  # fmt: skip
    denied: dict[str, Decimal] = defaultdict(Decimal)
    for found in PracticeMonth.objects.filter(
        practice_id__in=practice_ids, month__in=[m.first for m in chosen]
    ).values_list("denied_reasons", flat=True):
        for reason, amount in (found or {}).items():
            denied[reason] += Decimal(amount)
    report.tables.append(Table(
        "Denied by reason", ["Reason", "Denied"],
        [[reason, _money(amount)] for reason, amount in _largest_first(denied)], "denials",
    ))  # fmt: skip
    codes = (
        CodeMonth.objects.filter(practice_id__in=practice_ids, month__in=[m.first for m in chosen])
        .values("code").annotate(units=Sum("units"), amount=Sum("amount")).order_by("code")
    )  # fmt: skip
    report.tables.append(Table(
        "By code", ["Code", "Units", "Billed (Medicare amount)"],
        [[row["code"], row["units"], _money(row["amount"])] for row in codes], "codes",
    ))  # fmt: skip
    labels = [str(m) for m in chosen]
    report.charts.append(charts.line_chart("Captured against potential", labels, series, unit=" $"))
    report.notes.append(
        "Billed is the Medicare amount of the month's current claims (voided and replaced ones "
        "left out); paid, adjusted and patient responsibility are the posted 835 rows for those "
        "claims (reversals subtract). Potential is what every eligible patient would bring a "
        "month at the practice's locality rates from the fee schedule (the enrollment gap audit): "
        "the gap is potential less billed."
    )
    return report


def coordinators(
    practice_ids: Sequence[int], month: BillingMonth, plan: tuple[int, int] | None
) -> Report:
    """Per coordinator: patients, minutes, calls and reached rate, units, billed rate."""
    report = Report("coordinators", "Coordinators")
    found: dict[int, Counter[str]] = defaultdict(Counter)
    names: dict[int, str] = {}
    for row in CoordinatorMonth.objects.filter(
        practice_id__in=practice_ids, month=month.first
    ).values():
        names[row["user_id"]] = row["name"]
        found[row["user_id"]].update({k: row[k] for k in (
            "assigned", "patients", "minutes", "calls", "reached", "billed_patients", "units")})  # fmt: skip
    rows = []
    for user, c in sorted(found.items(), key=lambda item: names[item[0]]):
        each_unit = per_unit(c["minutes"], c["units"])
        rows.append([
            names[user], c["assigned"], c["patients"], c["minutes"], c["calls"], c["reached"],
            _pct(percent(c["reached"], c["calls"])), c["billed_patients"], c["units"],
            _pct(percent(c["billed_patients"], c["assigned"])), "" if each_unit is None else str(each_unit),
        ])  # fmt: skip
    report.tables.append(Table(
        f"Coordinators, {month}", ["Coordinator", "Enrolled patients assigned", "Patients worked",
        "Minutes", "Calls", "Reached", "Reached rate", "Billed patients", "Units billed",
        "Billed rate", "Minutes per billable unit"], rows, "coordinators",
    ))  # fmt: skip
    working = [c for c in found.values() if c["minutes"]]
    productivity = sum(c["minutes"] for c in working) // len(working) if working else 0
    report.figures["minutes_per_coordinator"] = productivity
    if plan is not None and productivity:
        patients, minutes = plan
        needed = capacity.coordinators_needed(patients, minutes, productivity)
        report.figures["needed"] = needed
        report.notes.append(
            f"To serve {patients:,} patients at {minutes} minutes a month you need {needed} "
            f"coordinators at this productivity ({productivity:,} countable minutes a coordinator "
            f"logged in {month})."
        )
    report.notes.append(
        "Patients worked: patients a coordinator logged countable time on in the month. Billed "
        "rate: their assigned enrolled patients with a claim for the month. Minutes per billable "
        "unit: their minutes over the units billed for their assigned patients."
    )
    return report


OUTCOME_LIMITS = (
    "Method: each month every patient of the practice falls in at most one cohort: enrolled "
    "that month; later enrolled, in the months before their enrollment; or eligible as of the "
    "month and never enrolled. ED visits and admissions are the EMR's emergency and inpatient "
    "encounters in the month; a readmission is an admission within 30 days of the patient's "
    "previous one. Rates are per 1,000 patient-months of the cohort.",
    "HbA1c > 9% (CMS122v13, inverse: lower is better) and BP < 140/90 (CMS165v13) are computed "
    "as those eCQMs define denominator and numerator, over the twelve months ending with the "
    "month rather than the calendar year; any recorded visit counts.",
    "Limits: the comparison is observational: patients who enroll differ from those who do not, "
    "and a before/after change may be regression to the mean; encounters outside the EMR "
    "(another hospital) are missed; admissions carry no discharge date, so readmission counts "
    f"admission to admission. Cells of fewer than {MIN_CELL} patients are suppressed (CMS cell "
    "size suppression policy).",
)


def exclusions_note(sets: ValueSets) -> str:
    """What the measures' denominator exclusions read, and the value sets with no code."""
    empty = dict.fromkeys(s for m in (CMS122, CMS165) for s in sets.empty(m))
    note = (
        "Denominator exclusions applied (CMS122v13 and CMS165v13, from the EMR's diagnoses and "
        "encounter types; excluded patients are counted apart): hospice and palliative care in "
        f"the period; frailty with advanced illness from age {FRAILTY_AGE} (CMS165: frailty "
        f"alone from {FRAILTY_ALONE_AGE}); for CMS165 also kidney failure, dialysis or a kidney "
        "transplant before or during the period, and pregnancy in it. Not applied, as ccm does "
        "not import what they read: living long term in a nursing home (a housing status "
        "assessment), dementia medications, frailty devices and symptoms."
    )
    if empty:
        note += (
            " Value sets with no codes configured, so what they show is never found (an "
            "administrator loads VSAC's codes, CCM_MEASURE_VALUE_SETS): "
            + ", ".join(f"{s.name} (VSAC {s.oid})" for s in empty)
            + "."
        )
    return note


def outcomes(practice_ids: Sequence[int], month: BillingMonth, months: int) -> Report:
    """Utilisation per 1,000 patient-months and the two control rates, per cohort."""
    chosen = window(month, months)
    report = Report("outcomes", "Clinical outcomes")
    rows = (
        OutcomeMonth.objects.filter(practice_id__in=practice_ids, month__in=[m.first for m in chosen])
        .values("cohort", "month")
        .annotate(
            patients=Sum("patients"), ed=Sum("ed_visits"), admissions=Sum("admissions"),
            readmissions=Sum("readmissions"), a1c_d=Sum("hba1c_denominator"),
            a1c_n=Sum("hba1c_poor"), bp_d=Sum("bp_denominator"), bp_n=Sum("bp_controlled"),
            a1c_x=Sum("hba1c_excluded"), bp_x=Sum("bp_excluded"),
        )
    )  # fmt: skip
    by: dict[str, dict[dt.date, Any]] = defaultdict(dict)
    for row in rows:
        by[row["cohort"]][row["month"]] = row
    table = []
    for cohort, label in OutcomeMonth.Cohort.choices:
        months_of = by.get(cohort, {})
        patient_months = sum(r["patients"] for r in months_of.values())
        largest = max((r["patients"] for r in months_of.values()), default=0)
        last = months_of.get(month.first, {})
        cells: list[Any] = [label, patient_months]
        if suppressed(largest) or not largest:
            cells += [SUPPRESSED if largest else ""] * 3
        else:
            for key in ("ed", "admissions", "readmissions"):
                cells.append(
                    str(per_thousand(sum(r[key] for r in months_of.values()), patient_months))
                )
        for d, n, x in (("a1c_d", "a1c_n", "a1c_x"), ("bp_d", "bp_n", "bp_x")):
            whole, left = last.get(d, 0), last.get(x, 0)
            if suppressed(whole):
                cells += [SUPPRESSED, SUPPRESSED]
            else:
                cells += [whole, _pct(percent(last.get(n, 0), whole))]
            cells.append(SUPPRESSED if suppressed(left) else left)
        table.append(cells)
    report.tables.append(Table(
        f"Outcomes, {chosen[0]} to {month} (control rates as of {month})",
        ["Cohort", "Patient-months", "ED visits per 1,000", "Admissions per 1,000",
         "30-day readmissions per 1,000", "CMS122 patients", "HbA1c > 9% (lower is better)",
         "CMS122 excluded", "CMS165 patients", "BP < 140/90", "CMS165 excluded"], table,
         "outcomes",
    ))  # fmt: skip
    report.notes += list(OUTCOME_LIMITS)
    report.notes.append(exclusions_note(value_sets()))
    report.figures["measures"] = (measures.HBA1C_POOR_ABOVE, measures.BP_CONTROLLED_BELOW)
    return report


@dataclass
class Statement:
    """One client practice's month for the service company: what it did and what it earns."""

    practice: Any
    month: BillingMonth
    contract: ServiceContract | None
    active: int = 0
    served: int = 0
    minutes: int = 0
    units: int = 0
    billed: Decimal = ZERO
    paid: Decimal = ZERO
    share: Decimal | None = None
    cost: Decimal | None = None

    @property
    def profit(self) -> Decimal | None:
        return None if self.share is None or self.cost is None else self.share - self.cost


def statements(practices: Sequence[Any], month: BillingMonth) -> list[Statement]:
    """Each practice's month and the company's agreed share under its contract."""
    ids = [p.pk for p in practices]
    facts = {
        f.practice_id: f
        for f in PracticeMonth.objects.filter(practice_id__in=ids, month=month.first)
    }
    units = dict(
        CodeMonth.objects.filter(practice_id__in=ids, month=month.first)
        .values("practice_id").annotate(units=Sum("units")).values_list("practice_id", "units")
    )  # fmt: skip
    contracts = {c.practice_id: c for c in ServiceContract.objects.filter(practice_id__in=ids)}
    found = []
    for practice in practices:
        fact, contract = facts.get(practice.pk), contracts.get(practice.pk)
        row = Statement(practice, month, contract)
        if fact is not None:
            row.active, row.served, row.minutes = (
                fact.active,
                fact.patients_with_minutes,
                fact.minutes,
            )
            row.billed, row.paid = fact.billed, fact.paid
        row.units = units.get(practice.pk) or 0
        if contract is not None:
            row.share = agreed_share(contract.model, contract.rate, row.paid, row.active)
            row.cost = care_cost(contract.hourly_cost, row.minutes)
        found.append(row)
    return found


def company(practices: Sequence[Any], month: BillingMonth) -> Report:
    report = Report("company", "Service company")
    rows = [
        [s.practice.name, s.contract.get_model_display() if s.contract else "no contract",
         "" if s.contract is None else str(s.contract.rate), s.active, s.served, s.minutes, s.units,
         _money(s.billed), _money(s.paid), _money(s.share), _money(s.cost), _money(s.profit)]
        for s in statements(practices, month)
    ]  # fmt: skip
    report.tables.append(Table(
        f"Client practices, {month}", ["Practice", "Contract", "Rate", "Enrolled", "Patients served",
        "Minutes", "Units", "Billed", "Paid", "Company share", "Care time cost", "Profit"], rows,
        "statements",
    ))  # fmt: skip
    report.notes.append(
        "Company share: the contract's percent of what was paid for the month's claims (posted "
        "835 rows), or its fee per enrolled patient for the month. Care time cost: the month's "
        "minutes at the contract's hourly cost. Contracts are the parties' terms, entered here."
    )
    return report


def _largest_first(amounts: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """AMOUNTS by size, largest first, ties in the order met (as Counter.most_common)."""
    return sorted(amounts.items(), key=itemgetter(1), reverse=True)
