"""Forms labelled as staff say things: Program, Billing practitioner, Method, Decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from ccm.codes import INITIATING_VISITS_CPT, USUAL_INITIATING_VISIT
from ccmweb.tenants.forms import model_choices
from ccmweb.tenants.models import Practitioner

from .models import ConsentRecord, Program
from .services import consent_window

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


class ConsentForm(forms.Form):
    program = forms.ChoiceField(label="Program", choices=Program.choices)
    billing_practitioner: forms.ModelChoiceField[Practitioner] = forms.ModelChoiceField(
        label="Billing practitioner", queryset=None
    )
    method = forms.ChoiceField(
        label="Method",
        choices=ConsentRecord.Method.choices,
        widget=forms.RadioSelect,
        initial="verbal",
    )
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        initial="accepted",
        choices=[("accepted", "Accepted"), ("declined", "Declined")],
    )
    decline_reason = forms.CharField(label="Decline reason", required=False, max_length=300)
    document = forms.FileField(label="Signed consent (scan or PDF)", required=False)
    consent_date = forms.DateField(
        label="Date consented", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, practitioners: Any, today: dt.date, program: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "billing_practitioner").queryset = practitioners
        self.today = today
        window = consent_window(program, today)
        self.fields["consent_date"].initial = today
        self.fields["consent_date"].widget.attrs.update(
            min=window.earliest.isoformat(), max=window.latest.isoformat()
        )

    def clean_document(self) -> Any:
        scan = self.cleaned_data.get("document")
        if scan:
            if scan.size > MAX_SCAN_BYTES:
                raise forms.ValidationError("The file is larger than 10 MB.")
            if not scan.name.lower().endswith(SCAN_TYPES):
                raise forms.ValidationError("Upload a PDF or an image (PNG, JPEG, TIFF).")
        return scan

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "declined" and not data.get("decline_reason", "").strip():
            self.add_error("decline_reason", "Say why the patient declined.")
        if (
            data.get("decision") == "accepted"
            and data.get("method") == "written"
            and not data.get("document")
        ):
            self.add_error("document", "Written consent needs the signed form.")
        day = data.get("consent_date")
        if day and data.get("program"):
            problem = consent_window(data["program"], self.today).problem(day)
            if problem:
                self.add_error("consent_date", problem)
        return data


VISIT_CODES = sorted((c.code, f"{c.code} · {c.comment}") for c in INITIATING_VISITS_CPT)


class InitiatingVisitForm(forms.Form):
    date = forms.DateField(label="Visit date", widget=forms.DateInput(attrs={"type": "date"}))
    code = forms.ChoiceField(
        label="Visit code", choices=VISIT_CODES, initial=USUAL_INITIATING_VISIT
    )
    practitioner: forms.ModelChoiceField[Practitioner] = forms.ModelChoiceField(
        label="Practitioner", queryset=None
    )

    def __init__(self, *args: Any, practitioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "practitioner").queryset = practitioners
