"""Every figure of the report pages checked against a small population computed by hand.

The population (Acme North, March 2026; Acme South has one enrolled patient):

| patient | consent history | conditions | March |
|---|---|---|---|
| P1 Alice (the cast's) | accepted 2026-01-10 | E11.9, I10 | 25 min + an entry of 5 amended to 7; claim C1 paid; 1 ED visit; HbA1c 9.5 on 2026-02-10; BP 150/85 and 135/95 on 2026-03-01 |
| P2 (born 1955, like P3–P6) | accepted 2026-03-05 (new) | E11.9 (2020), I10 from 2026-01-01 | 10 min; claim C2 denied; admitted 03-03 and 03-20 (a readmission) |
| P3 | accepted 2025-12-01, revoked 2026-03-15 "Moved away" | none | claim C3 void |
| P4 | accepted 2026-02-01, revoked 2026-02-20 | none | not enrolled in March |
| P5 | accepted 2026-05-01 (later) | none | the "before enrolling" cohort |
| P6 | never | E11.9, I10, Part B | eligible, not enrolled |

So for North in March: patients 6 (P1–P6, none dead), enrolled
3 (P1, P2, P3: a revocation ends enrollment at its month's end), new consents 1 (P2), revoked
1 ("Moved away"), eligible 3 (P1, P2, P6: eligible and Part B; P3–P5 have no Part B), eligible not
enrolled 1 (P6), minutes 25 + 10 + 7 = 42 on 2 patients, 14.0 minutes per enrolled patient.
Claims (C3 void, left out): charges 80 + 80 = 160.00, billed (Medicare amount) 60 + 60 =
120.00, billed patients 2, billed rate 2/3 = 66.7%; C1's 835: paid 48.00, CO-45 20.00, PR-2
12.00; C2 denied 60.00 ("CARC 50"); open A/R 160 − 48 − 20 − 12 = 80.00. Code 99490: 2 units,
120.00. Coordinator (all patients are Acme's coordinator's): assigned 3, worked 2, 42 minutes,
3 calls of which 2 reached (66.7%), billed 2, 2 units, 21.0 minutes a unit. Outcomes, enrolled:
3 patient-months, 1 ED visit, 2 admissions, 1 readmission; CMS122 denominator P1 and P2 (P2
has no HbA1c: poor), both poor; CMS165 denominator P1 only (P2's hypertension starts after the
period's first six months), controlled (135/85: the lowest of the day). A company contract of
20% of collections earns 20% × 48.00 = 9.60.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.reports.contract import agreed_share
from ccmweb.billing.models import (
    Claim,
    ClaimLine,
    Denial,
    LedgerEntry,
    PatientMonth,
    Remittance,
    RemittanceLine,
)
from ccmweb.enrollment.models import ConsentRecord
from ccmweb.imports.models import Measurement
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.reports import charts
from ccmweb.reports.models import CoordinatorMonth, OutcomeMonth, PracticeMonth, ServiceContract
from ccmweb.reports.reading import program, revenue, statements
from ccmweb.reports.refresh import refresh_month
from ccmweb.timelog.models import OutreachAttempt, TimeEntry

MARCH = BillingMonth(2026, 3)
AT = dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC)


def _patient(t, n, practice=None, part_b=True):
    return Patient.objects.create(
        organization=t.org, practice=practice or t.north, mrn=f"R-{n}", given_name="Pat",
        family_name=f"Report{n}", birth_date=dt.date(1955, 6, 1), part_b=part_b,
        mbi=f"1EG4TE5MK{n:02d}", coordinator=t.coordinator,
    )  # fmt: skip


def _consent(t, patient, decision, day, reason=""):
    ConsentRecord.objects.create(
        organization=t.org, patient=patient, program="ccm", decision=decision,
        method="verbal", obtained_by=t.coordinator, effective_date=day, decline_reason=reason,
        obtained_at=dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC), disclosures_shown="s",
    )  # fmt: skip


def _time(t, patient, day, minutes, amends=None):
    start = dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC)
    return TimeEntry.objects.create(
        organization=t.org, patient=patient, user=t.coordinator, performer="clinical_staff",
        activity="patient_call", started_at=start, minutes=minutes, amends=amends,
        ended_at=start + dt.timedelta(minutes=minutes),
    )  # fmt: skip


def _claim(t, patient, status, sent=True):
    pm = PatientMonth.objects.create(
        organization=t.org, practice=patient.practice, patient=patient, month=MARCH.first,
        status="billable", decided_at=AT,
    )  # fmt: skip
    claim = Claim.objects.create(
        organization=t.org, practice=patient.practice, patient=patient, patient_month=pm,
        month=MARCH.first, mbi=patient.mbi, status=status, total_charge=Decimal("80.00"),
        expected=Decimal("60.00"), created_at=AT, sent_at=AT if sent else None,
    )  # fmt: skip
    ClaimLine.objects.create(
        organization=t.org, claim=claim, code="99490", units=1, charge=Decimal("80.00"),
        expected=Decimal("60.00"), service_date=dt.date(2026, 3, 31),
    )  # fmt: skip
    LedgerEntry.objects.create(
        organization=t.org, claim=claim, kind="expected", amount=Decimal("60.00"), at=AT
    )  # not a posting: never counted as paid
    return claim


@pytest.fixture
def population(cast):
    return build_population(cast)


def build_population(cast):
    """The table of the module's docstring, refreshed for March (North and South)."""
    t = cast.acme
    with scopes_disabled():
        p1 = t.patient
        p2, p6 = _patient(t, 2), _patient(t, 6)
        p3, p4, p5 = (_patient(t, n, part_b=False) for n in (3, 4, 5))  # not eligible
        _consent(t, p1, "accepted", dt.date(2026, 1, 10))
        _consent(t, p2, "accepted", dt.date(2026, 3, 5))
        _consent(t, p3, "accepted", dt.date(2025, 12, 1))
        _consent(t, p3, "revoked", dt.date(2026, 3, 15), "Moved away")
        _consent(t, p4, "accepted", dt.date(2026, 2, 1))
        _consent(t, p4, "revoked", dt.date(2026, 2, 20), "Too many calls")
        _consent(t, p5, "accepted", dt.date(2026, 5, 1))
        south = _patient(t, 7, practice=t.south)
        _consent(t, south, "accepted", dt.date(2026, 1, 5))
        for patient, code, onset in ((p2, "E11.9", dt.date(2020, 1, 1)),
                                     (p2, "I10", dt.date(2026, 1, 1)),
                                     (p6, "E11.9", dt.date(2019, 1, 1)),
                                     (p6, "I10", dt.date(2019, 1, 1))):  # fmt: skip
            Condition.objects.create(
                organization=t.org, patient=patient, icd10_code=code, onset_date=onset
            )
        _time(t, p1, dt.date(2026, 3, 4), 25)
        _time(t, p1, dt.date(2026, 3, 9), 7, amends=_time(t, p1, dt.date(2026, 3, 8), 5))
        _time(t, p2, dt.date(2026, 3, 10), 10)
        _time(t, p2, dt.date(2026, 4, 1), 30)  # April: not March's
        for outcome, channel in (("reached", "call"), ("reached", "call"), ("no_answer", "call"),
                                 ("sent", "sms")):  # fmt: skip
            OutreachAttempt.objects.create(
                organization=t.org, patient=p1, user=t.coordinator, channel=channel,
                outcome=outcome, at=dt.datetime(2026, 3, 12, 15, tzinfo=dt.UTC),
            )  # fmt: skip
        c1 = _claim(t, p1, "paid")
        c2 = _claim(t, p2, "denied")
        _claim(t, p3, "void")
        remit = Remittance.objects.create(
            organization=t.org, practice=t.north, digest="d", payer_key="MEDICARE",
            trace_number="T9", payment_amount=Decimal("48.00"), posted_at=AT,
        )  # fmt: skip
        for kind, amount, group, reason in (("paid", "48.00", "", ""), ("adjusted", "20.00", "CO", "45"),
                                            ("patient", "12.00", "PR", "2")):  # fmt: skip
            LedgerEntry.objects.create(
                organization=t.org, claim=c1, kind=kind, amount=Decimal(amount), group=group,
                reason=reason, remittance=remit, at=AT,
            )  # fmt: skip
        line = RemittanceLine.objects.create(
            organization=t.org, remittance=remit, claim=c2, claim_number=c2.number, status="4",
            charge=Decimal("80.00"), paid=0, patient_responsibility=0,
        )  # fmt: skip
        Denial.objects.create(
            organization=t.org, claim=c2, remittance_line=line, action="Appeal",
            reasons=["CARC 50: not medically necessary"],
        )  # fmt: skip
        Encounter.objects.create(
            organization=t.org, patient=p1, date=dt.date(2026, 3, 7), encounter_class="EMER"
        )
        Encounter.objects.create(
            organization=t.org, patient=p2, date=dt.date(2026, 3, 3), encounter_class="IMP"
        )
        Encounter.objects.create(
            organization=t.org, patient=p2, date=dt.date(2026, 3, 20), encounter_class="IMP"
        )
        Measurement.objects.create(organization=t.org, patient=p1, source_id="a", kind="hba1c",
                                   date=dt.date(2026, 2, 10), value=Decimal("9.5"))  # fmt: skip
        for s, d in ((150, 85), (135, 95)):
            Measurement.objects.create(organization=t.org, patient=p1, source_id=f"bp{s}",
                                       kind="blood_pressure", date=dt.date(2026, 3, 1),
                                       value=s, value2=d)  # fmt: skip
    with scope(organization=t.org):
        refresh_month(t.north, MARCH, now=AT)
        refresh_month(t.south, MARCH, now=AT)
    return t


def test_the_practice_month_facts_match_the_hand_count(population):
    with scopes_disabled():
        fact = PracticeMonth.objects.get(practice=population.north, month=MARCH.first)
    assert (fact.patients, fact.active, fact.consented, fact.revoked) == (6, 3, 1, 1)
    assert fact.revoked_reasons == {"Moved away": 1}
    assert (fact.eligible, fact.eligible_open) == (3, 1)
    assert (fact.minutes, fact.patients_with_minutes) == (42, 2)
    assert (fact.claims, fact.billed_patients) == (2, 2)
    assert (fact.charges, fact.billed, fact.paid) == (
        Decimal("160.00"),
        Decimal("120.00"),
        Decimal("48.00"),
    )
    assert (fact.adjusted, fact.patient_responsibility) == (Decimal("20.00"), Decimal("12.00"))
    assert (fact.denied, fact.open_balance) == (Decimal("60.00"), Decimal("80.00"))
    assert fact.denied_reasons == {"CARC 50: not medically necessary": "60.00"}


def test_potential_is_each_eligible_patient_at_the_fee_schedule(population, settings):
    from pathlib import Path

    from ccm.rules import month_policy
    from ccm.rules.fees import FeeSchedule

    price = FeeSchedule.load(Path(settings.DATA_DIR) / "fees").prices(2026, None, False)
    each = Decimal(price[month_policy(MARCH).usual_code("ccm")]) / 100
    with scopes_disabled():
        fact = PracticeMonth.objects.get(practice=population.north, month=MARCH.first)
    assert fact.potential == 3 * each  # P1, P2, P6


def test_coordinator_and_outcome_facts_match_the_hand_count(population):
    with scopes_disabled():
        row = CoordinatorMonth.objects.get(practice=population.north, month=MARCH.first)
        enrolled = OutcomeMonth.objects.get(
            practice=population.north, month=MARCH.first, cohort="enrolled"
        )
        before = OutcomeMonth.objects.get(
            practice=population.north, month=MARCH.first, cohort="before"
        )
        eligible = OutcomeMonth.objects.get(
            practice=population.north, month=MARCH.first, cohort="eligible"
        )
    assert (row.assigned, row.patients, row.minutes, row.calls, row.reached) == (3, 2, 42, 3, 2)
    assert (row.billed_patients, row.units) == (2, 2)
    assert (enrolled.patients, enrolled.ed_visits, enrolled.admissions, enrolled.readmissions) == (
        3,
        1,
        2,
        1,
    )
    assert (enrolled.hba1c_denominator, enrolled.hba1c_poor) == (2, 2)
    assert (enrolled.bp_denominator, enrolled.bp_controlled) == (1, 1)
    assert (before.patients, eligible.patients) == (1, 1)


def _csv(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _row(rows, first):
    return next(r for r in rows if r and r[0] == first)


def test_the_program_page_and_csv_show_the_hand_counted_month(population, login):
    client = login(population.admin)
    query = {"practice": str(population.north.uid), "month": "2026-03", "months": "6"}
    page = client.get(reverse("reports:program"), query).content.decode()
    assert "Moved away" in page and "66.7%" in page and 'alt="Enrollment funnel' in page
    rows = _csv(client.get(reverse("reports:program"), {**query, "format": "csv"}))
    assert _row(rows, "2026-03") == [
        "2026-03",
        "6",
        "3",
        "1",
        "1",
        "3",
        "2",
        "66.7%",
        "1",
        "42",
        "14.0",
    ]
    assert _row(rows, "Moved away") == ["Moved away", "1"]


def test_a_month_without_facts_is_a_blank_row_and_a_gap_in_every_series(population, monkeypatch):
    drawn = []
    monkeypatch.setattr(charts, "line_chart", lambda *args, **kw: drawn.append(args))
    ids = [population.north.pk]
    with scopes_disabled():  # February was never refreshed
        reports = [program(ids, MARCH, 2, 60), revenue(ids, MARCH, 2, AT.date())]
    for report, (_, labels, series) in zip(reports, drawn, strict=True):
        february, march = report.tables[0].rows
        assert february == ["2026-02", *[""] * 10] and march[:2] in (["2026-03", 6], ["2026-03", 2])
        assert labels == ["2026-02", "2026-03"]
        assert all(points[0] is None and points[1] is not None for points in series.values())


def test_all_practices_sum_the_practices(population, login):
    client = login(population.admin)
    rows = _csv(client.get(reverse("reports:program"), {"month": "2026-03", "format": "csv"}))
    assert _row(rows, "2026-03")[5] == "4"  # 3 in North, 1 in South


def test_the_revenue_csv_shows_the_hand_counted_money(population, login):
    client = login(population.biller)
    query = {"practice": str(population.north.uid), "month": "2026-03", "format": "csv"}
    rows = _csv(client.get(reverse("reports:revenue"), query))
    month = _row(rows, "2026-03")
    assert month[:9] == [
        "2026-03",
        "2",
        "160.00",
        "120.00",
        "48.00",
        "20.00",
        "12.00",
        "60.00",
        "80.00",
    ]
    assert _row(rows, "99490") == ["99490", "2", "120.00"]
    assert _row(rows, "CARC 50: not medically necessary") == [
        "CARC 50: not medically necessary",
        "60.00",
    ]


def test_the_coordinators_csv_and_the_capacity_plan(population, login):
    client = login(population.users["practitioner"])
    query = {"practice": str(population.north.uid), "month": "2026-03"}
    rows = _csv(client.get(reverse("reports:coordinators"), {**query, "format": "csv"}))
    assert _row(rows, population.coordinator.username)[1:] == [
        "3", "2", "42", "3", "2", "66.7%", "2", "2", "66.7%", "21.0"]  # fmt: skip
    page = client.get(
        reverse("reports:coordinators"), {**query, "plan_patients": "100", "plan_minutes": "21"}
    )
    # 100 × 21 minutes at 42 minutes a coordinator: 50 coordinators
    assert "you need 50 coordinators" in page.content.decode()


def test_outcome_cells_under_eleven_patients_are_suppressed(population, login):
    client = login(population.users["practitioner"])
    query = {"practice": str(population.north.uid), "month": "2026-03", "format": "csv"}
    rows = _csv(client.get(reverse("reports:outcomes"), query))
    small = ["< 11"] * 2
    assert _row(rows, "Enrolled") == ["Enrolled", "3", *["< 11"] * 3, *small, "0", *small, "0"]


def test_the_invoice_is_the_agreed_share_of_the_paid_ledger(population, login):
    with scopes_disabled():
        ServiceContract.objects.create(organization=population.org, practice=population.north,
                                       model="percent", rate=Decimal("20"), hourly_cost=Decimal("30"))  # fmt: skip
        paid = sum(
            e.amount for e in LedgerEntry.objects.filter(
                claim__practice=population.north, claim__month=MARCH.first,
                remittance__isnull=False, kind__in=("paid", "reversal"))
        )  # fmt: skip
    with scope(organization=population.org):
        statement = statements([population.north], MARCH)[0]
    assert statement.share == agreed_share("percent", Decimal("20"), paid, 3) == Decimal("9.60")
    assert statement.cost == Decimal("21.00")  # 42 minutes at $30 an hour
    client = login(population.admin)
    response = client.get(reverse("reports:company"), {"practice": str(population.north.uid),
                                                       "month": "2026-03", "format": "invoice"})  # fmt: skip
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_pdfs_download(population, login):
    client = login(population.admin)
    query = {"practice": str(population.north.uid), "month": "2026-03"}
    for name in ("reports:program", "reports:revenue", "reports:index"):
        response = client.get(reverse(name), {**query, "format": "pdf"})
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), name


def test_a_coordinator_sees_no_report_and_only_admins_see_the_company(population, login):
    assert login(population.coordinator).get(reverse("reports:program")).status_code == 403


def test_a_contract_is_saved_by_the_admin_and_checked(population, login):
    client = login(population.admin)
    prefix = str(population.north.uid)
    url = reverse("reports:contract")
    form = {"practice": prefix, "month": "2026-03", f"{prefix}-model": "percent",
            f"{prefix}-rate": "150", f"{prefix}-hourly_cost": "0"}  # fmt: skip
    client.post(url, form)
    with scopes_disabled():
        assert not ServiceContract.objects.exists()  # 150% of collections: refused
    client.post(url, {**form, f"{prefix}-rate": "12.5"})
    with scopes_disabled():
        assert ServiceContract.objects.get().rate == Decimal("12.5")


def test_the_monthly_report_is_mailed_to_the_practices_admins_on_the_5th(population, mailoutbox):
    from django.contrib.auth import get_user_model

    from ccmweb.jobs.schedule import SCHEDULE, run_due
    from ccmweb.tenants.models import Membership

    with scopes_disabled():
        get_user_model().objects.filter(pk=population.admin.pk).update(email="admin@acme.test")
        south_admin = get_user_model().objects.create_user("south_admin", email="s@acme.test")
        Membership.objects.create(
            user=south_admin, organization=population.org, role="admin"
        ).practices.set([population.south])
    due = dt.datetime(2026, 4, 5, 7, tzinfo=dt.UTC)
    assert "monthly-report" in run_due(due, [e for e in SCHEDULE if e.name == "monthly-report"])
    north = [m for m in mailoutbox if "Acme North" in m.subject]
    assert len(north) == 1 and north[0].to == ["admin@acme.test"]  # not the south-only admin
    assert "2026-03" in north[0].subject
    assert north[0].attachments[0][1].startswith(b"%PDF")
    assert run_due(due, [e for e in SCHEDULE if e.name == "monthly-report"]) == []  # once
