"""A 390-px phone (an iPhone 12–15's CSS width): the pages a coordinator, a practitioner and a
biller use every day fit the screen's width (wide tables scroll inside their own box or stack
their cells), and nothing is refused by the Content-Security-Policy on the way."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from ccmweb.billing import testdata as billing_data
from ccmweb.billing.models import BillingSettings
from ccmweb.billing.services import close_month
from ccmweb.imports.models import Measurement, Medication
from ccmweb.patients.models import Allergy, CareTeamMember

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

#: What sticks out past the right edge, for the failure message.
WIDER = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && !el.closest('.table-scroll') && getComputedStyle(el).position !== 'absolute')
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} ${Math.round(box.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 12)};
}"""


def fits(page, url):  # type: ignore[no-untyped-def]
    """The page's scroll width and what sticks out, once it has loaded (its style sheet and
    scripts included: no page loads a part of itself later, so "load" is enough)."""
    page.goto(url)
    found = page.evaluate(WIDER)
    return found["scroll"], found["wide"]


def test_everyday_pages_fit_a_390_px_phone(browser, live_server, cast, log_in):
    t = cast.acme
    with scopes_disabled():
        BillingSettings.objects.create(organization=t.org, practice=t.north, requires_signoff=True)
        billing_data.billable_patients(t, 3, family="Phonepatientwithalongname")
        billing_data.billable_month(t)
        close_month(t.north, billing_data.MONTH, now=dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
        today = timezone.localdate()
        for n, (sys, dia) in enumerate(((148, 92), (139, 88), (131, 82))):
            day = today - dt.timedelta(days=60 * (3 - n))
            Measurement.objects.create(organization=t.org, patient=t.patient, source_id=f"bp{n}", kind="blood_pressure", date=day, value=Decimal(sys), value2=Decimal(dia))  # fmt: skip
        Medication.objects.create(organization=t.org, patient=t.patient, source_id="m1", status="active", display="Metformin hydrochloride 500 MG Extended Release Oral Tablet")  # fmt: skip
        Allergy.objects.create(organization=t.org, patient=t.patient, substance="Penicillin", reaction="Hives", criticality="high")  # fmt: skip
        CareTeamMember.objects.create(organization=t.org, patient=t.patient, role="caregiver", name="Ben Acmepatient", detail="son", phone="555-0142", may_share=True, added_by=t.coordinator)  # fmt: skip

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    pages = {
        "coordinator": [
            "/time/worklist/",
            "/patients/",
            f"/patients/{t.patient.uid}/",
            f"/enrollment/{t.patient.uid}/consent/",
        ],
        "practitioner.user": ["/tasks/queue/", "/billing/signoff/"],
        "biller": [
            f"/billing/close/?practice={t.north.uid}&month=2026-03",
            f"/billing/claims/?practice={t.north.uid}&month=2026-03",
            "/billing/remittance/",
            "/billing/denials/",
            "/billing/balances/",
            "/billing/packets/",
        ],
    }
    too_wide = {}
    try:
        for who, urls in pages.items():
            user = t.practitioner.user if who == "practitioner.user" else getattr(t, who)
            log_in(page, live_server, user.username)
            for url in urls:
                scroll, wide = fits(page, f"{live_server.url}{url}")
                if scroll > PHONE["width"]:
                    too_wide[url] = (scroll, wide)
            page.get_by_role("button", name="Log out", exact=True).click()
    finally:
        context.close()
    assert not too_wide, too_wide
    assert not refused, refused
