"""The billing settings page of a practice: sign-off, who the files go to, charge amounts.

Charge amounts are the practice's own prices (its data); the codes listed come from the core's
care-management code set, and a code left blank charges the Medicare amount.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccm.codes.care_management import CARE_MANAGEMENT
from ccmweb.accounts.audit import log_access
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.forms import PlainLabels
from ccmweb.tenants.http import MemberRequest
from ccmweb.tenants.views import managed_practice

from .models import PLACEHOLDER_RECEIVER, BillingSettings


def billable_codes(today: dt.date) -> list[Any]:
    """The care-management codes valid today, in code order (the core's set, not ours)."""
    return sorted((c for c in CARE_MANAGEMENT if c.active_on(today)), key=lambda c: c.code)


class BillingSettingsForm(PlainLabels, forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    class Meta:
        model = BillingSettings
        fields = [
            "requires_signoff",
            "signoff_sample_percent",
            "clearinghouse_name",
            "submitter_id",
            "receiver_name",
            "receiver_id",
            "payer_name",
            "payer_id",
            "contact_name",
            "contact_phone",
        ]
        labels = {
            "requires_signoff": "Lines wait for the billing practitioner's sign-off",
            "signoff_sample_percent": "Share of lines the practitioner reviews (%)",
            "submitter_id": "Submitter id (ISA06, from the MAC or clearinghouse)",
            "receiver_id": "Receiver id (ISA08)",
        }

    def __init__(self, *args: Any, codes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        for code in codes:
            self.fields[f"charge_{code.code}"] = forms.DecimalField(
                label=f"{code.code} — {code.comment}",
                required=False,
                min_value=Decimal("0.01"),
                max_digits=7,  # up to 99,999.99 a unit
                decimal_places=2,
                initial=self.instance.charges.get(code.code),
            )

    def charge_fields(self) -> list[Any]:
        return [self[f"charge_{code.code}"] for code in self.codes]

    def clean_signoff_sample_percent(self) -> int:
        value: int = self.cleaned_data["signoff_sample_percent"]
        if not 1 <= value <= 100:
            raise forms.ValidationError("Between 1 and 100 per cent.")
        return value

    def clean_receiver_id(self) -> str:
        value: str = self.cleaned_data["receiver_id"].strip().upper()
        if not value.isalnum():
            raise forms.ValidationError("Letters and digits only, as the MAC gives it.")
        return value

    def clean_contact_phone(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["contact_phone"] if ch.isdigit())
        if len(digits) != 10:
            raise forms.ValidationError("Ten digits, e.g. 717 555 0100.")
        return digits

    def save(self, commit: bool = True) -> BillingSettings:
        saved: BillingSettings = super().save(commit=False)
        charges = {}
        for code in self.codes:
            amount = self.cleaned_data.get(f"charge_{code.code}")
            if amount is not None:
                try:
                    charges[code.code] = str(amount.quantize(Decimal("0.01")))
                except InvalidOperation:  # pragma: no cover - the field bounds it
                    continue
        saved.charges = charges
        if commit:
            saved.save()
        return saved


@requires("practice.admin")
def billing_settings_page(request: MemberRequest, uid: str) -> HttpResponse:
    practice = managed_practice(request, uid)
    # Not created on a GET: an unsaved row with the defaults until the admin saves it.
    settings = BillingSettings.objects.filter(practice=practice).first() or BillingSettings(
        organization=practice.organization, practice=practice
    )
    codes = billable_codes(timezone.localdate())
    form = BillingSettingsForm(request.POST or None, instance=settings, codes=codes)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_access(request, "update", settings)
        messages.success(request, f"{practice.name}'s billing settings were saved.")
        return redirect("tenants:billing_settings", uid=practice.uid)
    context = {
        "form": form,
        "practice": practice,
        "placeholder": settings.receiver_id == PLACEHOLDER_RECEIVER,
    }
    return render(request, "billing/settings.html", context)
