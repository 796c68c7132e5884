"""Write access-log rows. Called by views and services whenever patient data is read or changed."""

from collections.abc import Iterable

from django.http import HttpRequest

from .models import AccessLog


def client_ip(request: HttpRequest) -> str | None:
    """The peer address; behind our TLS proxy (CCM_HTTPS), the address that proxy saw.

    The proxy appends the peer it saw to X-Forwarded-For, so only the last entry is trusted:
    earlier entries come from the client and could be anything.
    """
    from django.conf import settings

    if settings.HTTPS and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


def _row(request: HttpRequest, action: str, obj: object, patient: object = None) -> AccessLog:
    patient = patient if patient is not None else (obj if type(obj).__name__ == "Patient" else None)
    return AccessLog(
        organization=request.organization,  # type: ignore[attr-defined]
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_uid=str(getattr(obj, "uid", getattr(obj, "pk", ""))),
        patient_uid=str(getattr(patient, "uid", "")) if patient is not None else "",
        ip_address=client_ip(request),
        path=request.path[:300],
    )


def log_access(request: HttpRequest, action: str, obj: object, patient: object = None) -> None:
    """Record that request.user did ACTION on OBJ (of PATIENT), by opaque ids only."""
    _row(request, action, obj, patient).save()


def log_patients_shown(request: HttpRequest, patients: Iterable[object]) -> None:
    """One view row per patient a list page showed: lists show names, MRNs and birth dates too."""
    AccessLog.objects.bulk_create([_row(request, "view", patient) for patient in patients])
