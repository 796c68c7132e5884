"""Write access-log rows. Called by views and services whenever patient data is read or changed."""

from django.http import HttpRequest

from .models import AccessLog


def client_ip(request: HttpRequest) -> str | None:
    """The peer address; X-Forwarded-For only when we run behind a trusted TLS proxy."""
    from django.conf import settings

    if settings.HTTPS and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def log_access(request: HttpRequest, action: str, obj: object, patient: object = None) -> None:
    """Record that request.user did ACTION on OBJ (of PATIENT), by opaque ids only."""
    patient = patient if patient is not None else (obj if type(obj).__name__ == "Patient" else None)
    AccessLog.objects.create(
        organization=request.organization,  # type: ignore[attr-defined]
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_uid=str(getattr(obj, "uid", getattr(obj, "pk", ""))),
        patient_uid=str(getattr(patient, "uid", "")) if patient is not None else "",
        ip_address=client_ip(request),
        path=request.path[:300],
    )
