"""The practitioner's queue in a real browser: sign a care plan covering two chronic problems
that the coordinator revised, then reject a month's sign-off with a reason and see it land on
the coordinator's task list (and leave the queue)."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccmweb.billing import testdata as billing_data
from ccmweb.billing.models import BillingSettings, Claim
from ccmweb.billing.services import close_month
from ccmweb.care_tasks.models import SignoffReturn
from ccmweb.careplans import services as plans
from ccmweb.careplans.models import CarePlan

pytestmark = pytest.mark.browser

REASON = "The 4 March note does not say who was called"


def test_practitioner_signs_a_multi_problem_plan_and_returns_a_month(
    browser, page, live_server, cast, log_in, screenshot
):
    t = cast.acme
    with scopes_disabled():
        BillingSettings.objects.create(organization=t.org, practice=t.north, requires_signoff=True)
        billing_data.billable_month(t)
        close_month(t.north, billing_data.MONTH, now=dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
        claim = Claim.objects.get(patient=t.patient)
        plan = CarePlan.objects.get(patient=t.patient)
        content = plans.latest_version(plan).content
        content["problems"][1]["barriers"] = "Cannot afford the home cuff"
        revised = plans.revise(plan, content=content, by=t.coordinator)
    problems = [p["display"] for p in content["problems"]]
    assert len(problems) == 2

    log_in(page, live_server, t.practitioner.user.username, to="/tasks/queue/")
    to_sign = page.get_by_role("region", name="Care plans to sign")
    row = to_sign.locator("tr", has_text=str(t.patient))
    expect(row).to_contain_text(t.coordinator.username)
    expect(row.locator("td").nth(2)).to_have_text("2")  # problems
    screenshot(page, "practitioner-queue")
    row.get_by_role("button", name="Review and sign").click()
    for name in problems:
        expect(page.get_by_role("heading", name=name).first).to_be_visible()
    expect(page.get_by_text("Cannot afford the home cuff").first).to_be_visible()
    page.get_by_role("button", name="Sign care plan").click()
    expect(page.get_by_text(f"Version {revised.number} signed")).to_be_visible()

    page.goto(f"{live_server.url}/tasks/queue/")
    expect(page.get_by_text("No care plan waits for your signature.")).to_be_visible()
    signoffs = page.get_by_role("region", name="Month sign-offs")
    month = signoffs.locator("tr", has_text=str(t.patient))
    expect(month).to_contain_text("2026-03")
    expect(month).to_contain_text("Called patient; reviewed medications")
    expect(month.get_by_role("link", name="Audit packet")).to_be_visible()
    month.get_by_label("Reason to return").fill(REASON)
    month.get_by_role("button", name="Return to coordinator").click()
    expect(page.get_by_text(f"Returned to the coordinator: {REASON}")).to_be_visible()
    expect(page.get_by_text("No month waits for your sign-off.")).to_be_visible()

    with scopes_disabled():
        revised.refresh_from_db()
        returned = SignoffReturn.objects.select_related("task").get(claim=claim)
    assert revised.signed_by == t.practitioner and revised.signed_at is not None
    assert returned.reason == REASON and returned.returned_by == t.practitioner.user
    assert returned.task.assignee == t.coordinator and returned.task.status == "open"

    coordinator = browser.new_context(base_url=live_server.url).new_page()
    try:
        log_in(coordinator, live_server, t.coordinator.username)
        coordinator.goto(f"{live_server.url}/tasks/")
        task = coordinator.locator("tr", has_text="Month sign-off returned (2026-03)")
        expect(task).to_contain_text(REASON)
    finally:
        coordinator.context.close()
