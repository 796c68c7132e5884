"""Everyday polish (issue 14): a favicon, times on the practice's clock on pages that showed UTC."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.testing.cast import CAST_TIME_ZONE


def test_every_page_names_a_favicon_that_is_served(cast, login):
    html = login(cast.acme.coordinator).get("/patients/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert href and href.group(1).endswith(".svg")


def test_the_access_log_shows_times_on_the_practice_clock_not_utc(cast, login):
    t = cast.acme
    client = login(t.admin)
    client.get(f"/patients/{t.patient.uid}/")
    with scopes_disabled():
        row = AccessLog.objects.filter(patient_uid=str(t.patient.uid)).latest("at")
    local = row.at.astimezone(ZoneInfo(CAST_TIME_ZONE))
    assert local.utcoffset() != dt.timedelta(0)  # the test means something only off UTC
    html = client.get("/access-log/").content.decode()
    assert local.strftime("%Y-%m-%d %H:%M") in html
    assert row.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") not in html
