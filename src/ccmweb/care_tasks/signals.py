"""A new inpatient or ED encounter (an ADT discharge, a FHIR or C-CDA import written row by
row) makes the coordinator's follow-up task. Bulk imports send no signals: they call
services.sweep_discharges for the patients they touched."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_scopes import scope

from ccmweb.patients.models import Encounter

from .services import DISCHARGE_CLASSES, for_discharge


@receiver(post_save, sender=Encounter, dispatch_uid="care_tasks.discharge_follow_up")
def discharge_follow_up(sender: Any, instance: Encounter, created: bool, **kwargs: Any) -> None:
    if created and instance.encounter_class in DISCHARGE_CLASSES:
        with scope(organization=instance.organization_id):
            for_discharge(instance)
