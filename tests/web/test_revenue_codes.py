"""An RHC/FQHC's dated revenue-code setting: validated on the model, read by date of service."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ccmweb.tenants.models import Practice, RevenueCodeSetting


def _fqhc(cast) -> Practice:  # type: ignore[no-untyped-def]
    practice = cast.acme.north
    practice.setting = Practice.Setting.FQHC
    practice.save()
    return practice


def test_practice_without_a_setting_uses_the_default_052x_code(cast, unscoped):
    practice = _fqhc(cast)
    assert practice.claim_form == "837i"
    assert practice.revenue_code_on(dt.date(2026, 3, 4)) == "0521"


def test_dated_settings_apply_from_their_date_of_service(cast, unscoped):
    practice = _fqhc(cast)
    org = practice.organization
    RevenueCodeSetting.objects.create(
        organization=org,
        practice=practice,
        effective_from=dt.date(2025, 10, 1),
        revenue_code="0529",
    )
    assert practice.revenue_code_on(dt.date(2025, 9, 30)) == "0521"
    assert practice.revenue_code_on(dt.date(2025, 10, 1)) == "0529"


def test_a_malformed_code_is_refused_with_a_message_naming_the_default(cast, unscoped):
    practice = _fqhc(cast)
    row = RevenueCodeSetting(
        organization=practice.organization,
        practice=practice,
        effective_from=dt.date(2026, 1, 1),
        revenue_code="52X",
    )
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "4 digits" in str(caught.value) and "0521" in str(caught.value)


def test_an_office_practice_cannot_have_revenue_codes(cast, unscoped):
    office = cast.acme.south
    row = RevenueCodeSetting(
        organization=office.organization,
        practice=office,
        effective_from=dt.date(2026, 1, 1),
        revenue_code="0521",
    )
    with pytest.raises(ValidationError, match="only RHCs and FQHCs"):
        row.full_clean()
    assert office.claim_form == "837p"


def test_one_setting_per_practice_and_date(cast, unscoped):
    practice = _fqhc(cast)
    values = dict(
        organization=practice.organization,
        practice=practice,
        effective_from=dt.date(2026, 1, 1),
        revenue_code="0521",
    )
    RevenueCodeSetting.objects.create(**values)
    with pytest.raises(IntegrityError):
        RevenueCodeSetting.objects.create(**values)
