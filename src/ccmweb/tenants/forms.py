"""Forms of the administration pages: what an administrator may set, and the checks on it."""

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings

from ccm.rules.fees import FeeSchedule, Locality, loaded_years, read_locality_table

from .models import (
    IDLE_MINUTES_BOUNDS,
    PASSWORD_LENGTH_BOUNDS,
    Organization,
    Practice,
    Practitioner,
)

LOGO_MAX_BYTES = 200_000
#: Logos are shown as pictures, so only raster formats: an SVG can carry script.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class PlainLabels:
    """Labels without Django's trailing colon, like every hand-written form of ccm."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's own copy of a model-choice field, typed, to be given its queryset."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field


def fee_dir() -> Path:
    """Where `ccm fees load` and the fee schedule page write their tables."""
    return Path(settings.DATA_DIR) / "fees"


class OrganizationForm(PlainLabels, forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    logo_file = forms.FileField(
        label="Logo (PNG or JPEG, at most 200 KB)", required=False, allow_empty_file=False
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    class Meta:
        model = Organization
        fields = [
            "name",
            "patient_facing_name",
            "brand_color",
            "require_two_factor",
            "min_password_length",
            "idle_minutes",
        ]
        labels = {
            "patient_facing_name": "Name patients see",
            "brand_color": "Brand colour",
            "require_two_factor": "Require two-step log-in of every member",
            "min_password_length": "Minimum password length",
            "idle_minutes": "Sign out after this many idle minutes",
        }
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}

    def clean_min_password_length(self) -> int:
        low, high = PASSWORD_LENGTH_BOUNDS
        value: int = self.cleaned_data["min_password_length"]
        if not low <= value <= high:
            raise forms.ValidationError(f"Choose between {low} and {high} characters.")
        return value

    def clean_idle_minutes(self) -> int | None:
        value: int | None = self.cleaned_data["idle_minutes"]
        low = IDLE_MINUTES_BOUNDS[0]
        high = min(IDLE_MINUTES_BOUNDS[1], settings.IDLE_TIMEOUT_SECONDS // 60)
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                f"Choose between {low} and {high} minutes (the installation signs out after "
                f"{settings.IDLE_TIMEOUT_SECONDS // 60}), or leave it blank."
            )
        return value

    def clean_logo_file(self) -> Any:
        upload = self.cleaned_data.get("logo_file")
        if upload is None:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo is larger than 200 KB: make it smaller.")
        data = upload.read()
        kind = next((t for magic, t in LOGO_TYPES.items() if data.startswith(magic)), None)
        if kind is None:
            raise forms.ValidationError("The logo must be a PNG or JPEG picture.")
        return (data, kind)

    def save(self, commit: bool = True) -> Organization:
        org: Organization = super().save(commit=False)
        if self.cleaned_data.get("remove_logo"):
            org.logo, org.logo_type = None, ""
        if logo := self.cleaned_data.get("logo_file"):
            org.logo, org.logo_type = logo
        if commit:
            org.save()
        return org


def locality_choices(state: str) -> tuple[list[tuple[str, Any]], str]:
    """Localities to pick from, grouped by state (the practice's state first), and their source.

    The newest year of CMS's locality tables loaded on the fee schedule page (with counties
    when CMS's counties file was loaded too); else the GPCI table's names alone.
    """
    years = sorted(y for y, kinds in loaded_years(fee_dir()).items() if "localities" in kinds)
    if years:
        rows = read_locality_table(fee_dir() / f"localities_{years[-1]}.csv")
        source = f"CMS's {years[-1]} locality file"
    else:
        schedule = FeeSchedule.load(fee_dir())
        if not schedule.gpcis:
            return [], ""
        year = max(schedule.gpcis)
        rows = [Locality(k, "", g.name) for k, g in schedule.gpcis[year].items()]
        source = f"the {year} GPCI table (load CMS's files for states and counties)"
    groups: dict[str, list[tuple[str, str]]] = {}
    for loc in rows:
        label = f"{loc.name} — {loc.counties}" if loc.counties else loc.name
        groups.setdefault(loc.state or "All localities", []).append(
            (loc.key, f"{label} ({loc.key})")
        )
    order = sorted(groups, key=lambda s: (s != state.upper(), s))
    return [(group, groups[group]) for group in order], source


class PracticeForm(PlainLabels, forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    class Meta:
        model = Practice
        fields = [
            "name",
            "slug",
            "setting",
            "tin",
            "billing_npi",
            "address_line",
            "city",
            "state",
            "postal_code",
            "locality",
            "time_zone",
            "branding_name",
            "branding_phone",
            "coordinator_assignment",
            "mrn_identifier_system",
        ]
        labels = {
            "setting": "Practice type",
            "postal_code": "ZIP+4",
            "branding_name": "Name patients see",
            "branding_phone": "Phone patients call",
            "coordinator_assignment": "Coordinator for imported patients",
        }
        help_texts = {
            "slug": "Short name in commands, e.g. main-street; letters, digits and dashes.",
            "tin": "9 digits, no dash.",
            "billing_npi": "The group (type 2) NPI claims are billed under.",
            "postal_code": "Claims need all nine digits: 12345-6789.",
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        for name in ("address_line", "city", "state", "postal_code"):
            self.fields[name].required = True
        state = (self.data.get("state") or getattr(self.instance, "state", "") or "").strip()
        choices, self.locality_source = locality_choices(state)
        if choices:
            self.fields["locality"] = forms.ChoiceField(
                label="Medicare locality",
                required=False,
                choices=[("", "National amounts (no locality)"), *choices],
                help_text=f"Picked from {self.locality_source}; the state you entered is listed first.",
            )
        self.fields["time_zone"].help_text = "IANA name, e.g. America/Chicago."

    def clean_state(self) -> str:
        value: str = self.cleaned_data["state"].strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise forms.ValidationError("Two letters, e.g. PA.")
        return value

    def clean_postal_code(self) -> str:
        digits: str = self.cleaned_data["postal_code"].replace("-", "")
        if len(digits) != 9:
            raise forms.ValidationError(
                "Claims need the nine-digit ZIP+4 of the practice's address (12345-6789)."
            )
        return f"{digits[:5]}-{digits[5:]}"

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        taken = Practice.objects.filter(organization=self.organization, slug=slug)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Another practice of the organisation has this short name.")
        return slug

    def save(self, commit: bool = True) -> Practice:
        practice: Practice = super().save(commit=False)
        practice.organization = self.organization
        if commit:
            practice.save()
        return practice


class PractitionerForm(PlainLabels, forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    class Meta:
        model = Practitioner
        fields = ["given_name", "family_name", "credential", "npi", "user", "coordinator"]
        labels = {
            "npi": "Individual NPI",
            "user": "Their ccm login (to sign care plans and claims)",
            "coordinator": "Care coordinator for their patients",
        }

    def __init__(
        self, *args: Any, practice: Practice, coordinators: Any, practitioners: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        # set before validation: the model's clean checks the coordinator works here
        self.instance.organization = practice.organization
        self.instance.practice = practice
        model_choices(self, "coordinator").queryset = coordinators
        self.fields["coordinator"].required = False
        model_choices(self, "user").queryset = practitioners
        self.fields["user"].required = False

    def clean_npi(self) -> str:
        npi: str = self.cleaned_data["npi"]
        taken = Practitioner.objects.filter(practice=self.practice, npi=npi)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("This practice already has a practitioner with this NPI.")
        return npi

    def save(self, commit: bool = True) -> Practitioner:
        practitioner: Practitioner = super().save(commit=False)
        practitioner.organization = self.practice.organization
        practitioner.practice = self.practice
        if commit:
            practitioner.save()
        return practitioner
