"""Claims as FHIR R4 `Claim` resources (JSON dicts), for EMRs that accept them instead of an 837P."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ccm.x12.claim837p import BillingProvider, Claim, ClaimBatch

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
NPI = "http://hl7.org/fhir/sid/us-npi"
MBI = "http://hl7.org/fhir/sid/us-mbi"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"


def claim_resource(claim: Claim, provider: BillingProvider, created: str) -> dict[str, Any]:
    """One professional Claim; CREATED is the ISO date the caller stamps (never the clock here)."""
    sub = claim.subscriber
    resource: dict[str, Any] = {
        "resourceType": "Claim",
        "id": claim.claim_id,
        "status": "cancelled" if claim.frequency == "8" else "active",
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "claim",
        "patient": {
            "identifier": {"system": MBI, "value": sub.mbi},
            "display": f"{sub.given_name} {sub.family_name}",
        },
        "created": created,
        "provider": {
            "identifier": {"system": NPI, "value": provider.npi},
            "display": provider.name,
        },
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [
            {
                "sequence": 1,
                "focal": True,
                "coverage": {"display": f"{claim.payer.name} ({claim.payer.id})"},
            }
        ],
        "diagnosis": [
            {
                "sequence": i,
                "diagnosisCodeableConcept": {"coding": [{"system": ICD10, "code": code}]},
            }
            for i, code in enumerate(claim.diagnoses, 1)
        ],
        "item": [
            {
                "sequence": n,
                "diagnosisSequence": list(line.diagnosis_pointers),
                "productOrService": {"coding": [{"system": CPT, "code": line.code}]},
                "servicedDate": line.service_date.isoformat(),
                "locationCodeableConcept": {
                    "coding": [{"system": POS, "code": claim.place_of_service}]
                },
                "quantity": {"value": line.units},
                "net": {"value": float(line.charge), "currency": "USD"},
            }
            for n, line in enumerate(claim.lines, 1)
        ],
        "total": {"value": float(claim.total_charge), "currency": "USD"},
    }
    if claim.rendering is not None:
        resource["careTeam"] = [
            {
                "sequence": 1,
                "provider": {"identifier": {"system": NPI, "value": claim.rendering.npi}},
            }
        ]
    return resource


def claim_bundle(batches: Sequence[ClaimBatch], created: str) -> dict[str, Any]:
    """All the claims as one FHIR R4 `collection` Bundle: the file `ccm claims export --format
    fhir` writes for EMRs that take FHIR Claims instead of an 837P."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": f"{created}T00:00:00Z",
        "entry": [
            {"resource": claim_resource(claim, batch.billing_provider, created)}
            for batch in batches
            for claim in batch.claims
        ],
    }
