"""`ccm demo` hook: what an EMR export would have brought for each demo patient — current
medications, vitals and labs at the patient's office visits, and allergies — so the patient
page, the care plan and the outcome reports have a clinical picture to show.

The picture itself is `ccm.population.clinical_picture` (pure, seeded); this writes it.
Idempotent: a patient who already has medications or measurements gets nothing added.
"""

from __future__ import annotations

import random
from typing import Any

from ccm.population import clinical_picture
from ccmweb.patients.models import Allergy, Condition, Encounter

from .models import Measurement, Medication


def seed(context: Any) -> None:
    rng: random.Random = context.rng
    org = context.organization
    patients = list(context.patients.filter(deceased_date=None).order_by("pk"))
    done = set(
        Measurement.objects.filter(patient__in=patients).values_list("patient_id", flat=True)
    ) | set(Medication.objects.filter(patient__in=patients).values_list("patient_id", flat=True))
    codes: dict[int, list[str]] = {}
    for patient_id, code in Condition.objects.filter(patient__in=patients).values_list(
        "patient_id", "icd10_code"
    ):
        codes.setdefault(patient_id, []).append(code)
    visits: dict[int, set[Any]] = {}
    office = Encounter.objects.filter(
        patient__in=patients, encounter_class="AMB", date__lte=context.today
    )
    for patient_id, day in office.values_list("patient_id", "date"):
        visits.setdefault(patient_id, set()).add(day)
    measurements: list[Measurement] = []
    medications: list[Medication] = []
    allergies: list[Allergy] = []
    for patient in patients:
        if patient.pk in done:
            continue
        days = sorted(visits.get(patient.pk, ()))[-8:]  # the last two years or so
        picture = clinical_picture(sorted(codes.get(patient.pk, [])), days, rng)
        measurements += [
            Measurement(organization=org, patient=patient, kind=m.kind, date=m.date,
                        value=m.value, value2=m.value2, unit=m.unit,
                        source_id=f"demo/{m.kind}/{patient.uid}/{m.date.isoformat()}")
            for m in picture.measurements
        ]  # fmt: skip
        medications += [
            Medication(organization=org, patient=patient, rxnorm_code=code, display=display,
                       status=status, authored_on=days[0] if days else None,
                       source_id=f"demo/medication/{patient.uid}/{code}")
            for code, display, status in picture.medicines
        ]  # fmt: skip
        if picture.allergy is not None:
            substance, reaction, criticality = picture.allergy
            allergies.append(
                Allergy(organization=org, patient=patient, source_id=f"demo/allergy/{patient.uid}",
                        substance=substance, reaction=reaction, criticality=criticality,
                        recorded_on=days[0] if days else None)
            )  # fmt: skip
    Measurement.objects.bulk_create(measurements, batch_size=1000)
    Medication.objects.bulk_create(medications, batch_size=1000)
    Allergy.objects.bulk_create(allergies, batch_size=1000)
    context.stdout.write(
        f"clinical context: {len(medications)} medications, {len(measurements)} measurements, "
        f"{len(allergies)} allergies"
    )
