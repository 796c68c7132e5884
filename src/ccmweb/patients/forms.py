"""The care team form: who, in what role, how to reach them, and whether we may share."""

from django import forms

from .models import CareTeamMember


class CareTeamForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    class Meta:
        model = CareTeamMember
        fields = ["role", "name", "detail", "phone", "email", "may_share"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("email")):
            self.add_error("phone", "Enter a phone number or an email address to reach them.")
        return data
