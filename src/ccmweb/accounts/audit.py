"""Write access-log rows. Called by views and services whenever patient data is read or changed."""

from collections.abc import Iterable
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone

from ccmweb.sql import column, insert_values
from ccmweb.tenants.http import MemberRequest

from .client import client_ip
from .models import AccessLog

#: Rows of one INSERT: 10 parameters each, far under SQLite's 32,766 a statement.
ROWS_A_STATEMENT = 500


def _row(request: MemberRequest, action: str, obj: object, patient: object = None) -> AccessLog:
    patient = patient if patient is not None else (obj if type(obj).__name__ == "Patient" else None)
    return AccessLog(
        organization=request.organization,
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_uid=str(getattr(obj, "uid", getattr(obj, "pk", ""))),
        patient_uid=str(getattr(patient, "uid", "")) if patient is not None else "",
        ip_address=client_ip(request),
        path=request.path[:300],
    )


def log_access(request: MemberRequest, action: str, obj: object, patient: object = None) -> None:
    """Record that request.user did ACTION on OBJ (of PATIENT), by opaque ids only."""
    _row(request, action, obj, patient).save()


def log_patients_shown(request: MemberRequest, patients: Iterable[object]) -> None:
    """One view row per patient a list page showed: lists show names, MRNs and birth dates too.

    Written as one multi-row INSERT of tuples rather than `bulk_create` or an `executemany`:
    building 400 model instances took a third of a worklist's time, and 50 single-row inserts
    were a third of its queries (each parsed, planned and executed on its own). The rows are
    exactly those `log_access` writes, all in one statement.
    """
    patients = list(patients)
    if not patients:
        return
    first = _row(request, "view", patients[0])
    first.at = timezone.now()
    per_row = ("object_type", "object_uid", "patient_uid")
    fields = [f for f in AccessLog._meta.concrete_fields if not f.primary_key]
    shared = {
        column(f): f.get_db_prep_save(getattr(first, f.attname), connection)
        for f in fields
        if f.name not in per_row
    }
    columns = [*shared, *per_row]
    constants = tuple(shared.values())
    rows = []
    for patient in patients:
        uid = str(getattr(patient, "uid", getattr(patient, "pk", "")))
        is_patient = type(patient).__name__ == "Patient"
        rows.append((*constants, type(patient).__name__.lower(), uid, uid if is_patient else ""))
    # One statement is atomic by itself; a longer list is one transaction, as before.
    several = len(rows) > ROWS_A_STATEMENT
    with transaction.atomic() if several else nullcontext(), connection.cursor() as cursor:
        insert_values(cursor, AccessLog._meta.db_table, columns, rows, ROWS_A_STATEMENT)
