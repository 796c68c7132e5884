"""From an empty install with one administrator to a pyx12-clean 837P, in the browser alone.

The administrator creates the practice, its billing practitioner and billing settings, invites
a coordinator and a practitioner (who join through their e-mailed links), uploads the EMR's
export, reviews the gap and downloads the outreach list; the coordinator records two consents
and logs time, the practitioner signs two care plans; next month the administrator closes the
month and downloads the 837P. The clock is moved (in-process) from the 5th of last month to
the 2nd of this one, as a real first month would run. Its wall time is "time to first claim"
in bench/RESULTS.md (CCM_JOURNEY_TIMES=FILE appends each run's seconds to FILE).
"""

import datetime as dt
import os
import re
import time
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccmweb.billing.models import Claim
from ccmweb.billing.x12check import x12_errors
from ccmweb.tenants.models import Membership, Organization

pytestmark = pytest.mark.browser

ZONE = zoneinfo.ZoneInfo("America/New_York")
ADMIN_PASSWORD = "first-admin-passphrase-1"
STAFF_PASSWORD = "staff-member-passphrase-2"


def emr_export(folder, visit: dt.date):  # type: ignore[no-untyped-def]
    """The practice's EMR export in ccm's CSV layout: three patients, two of them eligible."""
    files = {
        "patients.csv": "id,mrn,given_name,family_name,birth_date,sex,mbi,address_line,city,state,postal_code\n"
        "p1,J-100,Ruth,Okonkwo,1947-03-02,female,1EG4TE5MK73,9 Elm St,Harrisburg,PA,17101\n"
        "p2,J-101,Frank,Delacroix,1944-11-20,male,2EG4TE5MK74,11 Oak St,Harrisburg,PA,17101\n"
        "p3,J-102,Lena,Whitfield,1990-05-05,female,,3 Pine St,Harrisburg,PA,17101\n",
        "conditions.csv": "id,patient_id,code_system,code,display,onset_date\n"
        "c1,p1,icd10,E11.9,Type 2 diabetes,2015-01-01\n"
        "c2,p1,icd10,I10,Hypertension,2012-01-01\n"
        "c3,p2,icd10,I50.9,Heart failure,2018-06-01\n"
        "c4,p2,icd10,N18.3,Chronic kidney disease stage 3,2019-02-01\n"
        "c5,p3,icd10,J45.909,Asthma,2010-01-01\n",
        "visits.csv": "id,patient_id,date,code_system,code,display,class\n"
        f"v1,p1,{visit},cpt,99214,Office visit,AMB\n"
        f"v2,p2,{visit},cpt,99214,Office visit,AMB\n",
        "coverage.csv": "id,patient_id,kind,payer_name,member_id,start_date\n"
        "k1,p1,medicare_part_b,Medicare,1EG4TE5MK73,2012-03-01\n"
        "k2,p2,medicare_part_b,Medicare,2EG4TE5MK74,2009-11-01\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return [str(folder / name) for name in files]


def log_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Log out", exact=True).click()


def join(browser, base: str, message, first: str, last: str) -> str:  # type: ignore[no-untyped-def]
    """The invited person opens the link from their message and makes their account."""
    link = re.search(r"https?://[^/]+(/invite/\S+/)", message.body).group(1)
    context = browser.new_context(base_url=base)
    tab = context.new_page()
    tab.goto(link)
    username = first.lower()
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("First name").fill(first)
    tab.get_by_label("Last name").fill(last)
    tab.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    tab.get_by_label("Password again").fill(STAFF_PASSWORD)
    tab.get_by_role("button", name="Create my account").click()
    expect(tab.get_by_text("Your account is ready")).to_be_visible()
    context.close()
    return username


def open_patient(page, family_name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/patients/")
    page.get_by_role("link", name=re.compile(family_name)).first.click()
    expect(page.locator("#enrollment-panel")).to_be_visible()


def test_an_administrator_gets_a_new_practice_to_its_first_claim_in_the_browser(
    browser, page, live_server, transactional_db, tmp_path
):
    with scopes_disabled():  # the empty install: `ccm user add … --org-name … --operator`
        org = Organization.objects.create(slug="acme", name="Acme Care Partners")
        admin = get_user_model().objects.create_user(
            "pat", "pat@acme.example", ADMIN_PASSWORD, is_staff=True
        )
        Membership.objects.create(user=admin, organization=org, role="admin")
    today = dt.datetime.now(ZONE).date()
    last_month_5th = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=5)
    this_month_2nd = today.replace(day=2)
    started = time.monotonic()
    traveller = time_machine.travel(dt.datetime.combine(last_month_5th, dt.time(12), ZONE))
    traveller.start()
    try:
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes
        log_in(page, "pat", ADMIN_PASSWORD)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
        page.get_by_role("link", name="New practice").click()
        form = {
            "Name": "Riverside Family Medicine",
            "Slug": "riverside",
            "TIN": "271234568",
            "Billing NPI": "1234567893",
            "Address line": "5 River Rd",
            "City": "Harrisburg",
            "State": "PA",
            "ZIP+4": "17101-1234",
        }
        for label, value in form.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="Create the practice").click()
        checklist = page.locator("ol.checklist")
        expect(checklist).to_contain_text("No billing practitioner is listed")

        page.get_by_role("link", name="Edit details").first.click()
        page.get_by_role("link", name="Add a billing practitioner").click()
        page.get_by_label("Given name").fill("Maya")
        page.get_by_label("Family name").fill("Patel")
        page.get_by_label("Individual NPI").fill("1245319599")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("link", name="Billing settings").first.click()
        page.get_by_label("Clearinghouse name").fill("Keystone Claims")
        page.get_by_label("Submitter id (ISA06, from the MAC or clearinghouse)").fill("RIVER01")
        page.get_by_label("Receiver id (ISA08)").fill("12502")
        page.get_by_label(re.compile("^99490")).fill("92.00")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("billing settings were saved")).to_be_visible()

        page.get_by_role("link", name="Staff").click()
        for email, role in (
            ("rosa@acme.example", "Care coordinator"),
            ("maya@acme.example", "Billing practitioner"),
        ):
            page.get_by_label("E-mail address").fill(email)
            page.get_by_label("Role").select_option(label=role)
            page.get_by_role("button", name="Send the invitation").click()
            expect(page.get_by_text(f"An invitation went to {email}")).to_be_visible()
        coordinator = join(browser, live_server.url, mail.outbox[0], "Rosa", "Alvarez")
        practitioner = join(browser, live_server.url, mail.outbox[1], "Maya", "Patel")

        page.get_by_role("link", name="Practices").click()
        page.get_by_role("link", name="Riverside Family Medicine").click()
        page.get_by_role("link", name="Maya Patel").click()
        page.get_by_label("Their ccm login (to sign care plans and claims)").select_option(
            label=practitioner
        )
        page.get_by_role("button", name="Save").click()

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
        page.get_by_label("Format").select_option("csv")
        page.get_by_label(re.compile("^Files")).set_input_files(
            emr_export(tmp_path, last_month_5th - dt.timedelta(days=40))
        )
        page.get_by_role("button", name="Import").click()
        expect(page.locator("main")).to_contain_text("Done")

        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Enrollment gap"
        ).click()
        expect(page.locator("main")).to_contain_text("Okonkwo")
        with page.expect_download():
            page.get_by_role("link", name=re.compile("CSV")).first.click()
        log_out(page)

        log_in(page, coordinator, STAFF_PASSWORD)
        for family in ("Okonkwo", "Delacroix"):
            open_patient(page, family)
            page.locator("#enrollment-panel").get_by_role("button", name="Record consent").click()
            consent = page.locator("#consent-form")
            consent.get_by_label("Program").select_option("ccm")
            consent.get_by_label("Billing practitioner").select_option(label="Maya Patel, MD")
            consent.get_by_label("Verbal").check()
            consent.get_by_label("Accepted").check()
            consent.get_by_role("button", name="Record consent").click()
            expect(page.get_by_text("Consent recorded: Accepted.")).to_be_visible()
        log_out(page)

        log_in(page, practitioner, STAFF_PASSWORD)
        for family in ("Okonkwo", "Delacroix"):
            open_patient(page, family)
            page.get_by_role("button", name="New care plan").click()
            page.get_by_label("The patient's own priorities").fill("Stay out of hospital")
            page.get_by_role("button", name="Save care plan").click()
            page.get_by_role("button", name="Sign care plan").click()
            expect(page.get_by_text("Version 1 signed")).to_be_visible()
        log_out(page)

        log_in(page, coordinator, STAFF_PASSWORD)
        for family in ("Okonkwo", "Delacroix"):
            open_patient(page, family)
            page.get_by_label("Minutes").fill("25")
            page.get_by_label("Activity").select_option(label="Patient call")
            page.get_by_label("Note").fill("Reviewed medications and goals")
            page.get_by_role("button", name="Add time").click()
            expect(page.get_by_text("25 min")).to_be_visible()
        log_out(page)
        traveller.stop()

        traveller = time_machine.travel(dt.datetime.combine(this_month_2nd, dt.time(12), ZONE))
        traveller.start()
        log_in(page, "pat", ADMIN_PASSWORD)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
        page.get_by_role("button", name="Close month").click()
        cells = page.locator("#close-result tbody td")
        expect(cells.nth(0)).to_have_text("2")  # both patient-months billable
        page.get_by_role("link", name="Claims").click()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Export 837P").click()
        x837 = download_info.value.path()
        seconds = time.monotonic() - started
        assert x12_errors(x837) == []
        text = x837.read_text(encoding="ascii")
        assert "NM1*85*2*RIVERSIDE FAMILY MEDICINE*****XX*1234567893" in text
        with scopes_disabled():
            claims = list(Claim.objects.filter(practice__slug="riverside"))
        assert len(claims) == 2 and all(f"CLM*{c.number}*" in text for c in claims)

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
        page.get_by_role("link", name="8 of 8 steps").click()
        expect(page.get_by_text("Every step is done")).to_be_visible()
    finally:
        traveller.stop()
    if target := os.getenv("CCM_JOURNEY_TIMES"):
        with open(target, "a") as out:
            out.write(f"{seconds:.1f}\n")
