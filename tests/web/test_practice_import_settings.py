"""The practice's import settings (issue 12): how imported patients get a coordinator, and the
EMR system of its MRNs; validated on the models so every form that edits them says the same."""

import pytest
from django.core.exceptions import ValidationError

from ccmweb.tenants.models import Practice


@pytest.mark.parametrize(
    "system",
    [
        "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14",
        "https://fhir.example-ehr.com/mrn",
        "1.2.3.4",
        "EPIC",
    ],
)
def test_an_mrn_system_may_be_a_uri_an_oid_or_an_assigning_authority(cast, unscoped, system):
    practice = cast.acme.north
    practice.mrn_identifier_system = system
    practice.full_clean()


@pytest.mark.parametrize(
    ("system", "words"),
    [
        ("http://hl7.org/fhir/sid/us-ssn", "Social Security"),
        ("urn:oid:2.16.840.1.113883.4.1", "Social Security"),
        ("two words", "without spaces"),
    ],
)
def test_an_ssn_system_or_a_phrase_is_refused(cast, unscoped, system, words):
    practice = cast.acme.north
    practice.mrn_identifier_system = system
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert words in str(error.value.message_dict["mrn_identifier_system"])


def test_assignment_defaults_to_the_unassigned_queue(cast, unscoped):
    assert cast.acme.north.coordinator_assignment == Practice.CoordinatorAssignment.UNASSIGNED


def test_a_practitioners_coordinator_is_a_coordinator_of_the_same_organisation(cast, unscoped):
    practitioner = cast.acme.practitioner
    practitioner.coordinator = cast.acme.coordinator
    practitioner.full_clean()
    practitioner.coordinator = cast.acme.biller
    with pytest.raises(ValidationError, match="care coordinator"):
        practitioner.full_clean()
    practitioner.coordinator = cast.bravo.coordinator
    with pytest.raises(ValidationError, match="care coordinator"):
        practitioner.full_clean()
