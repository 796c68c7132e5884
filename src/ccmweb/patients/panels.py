"""Panels other apps add to the patient page: (template name, context function) pairs.

An app appends to PANELS in its AppConfig.ready() (or at import of a module imported there);
patients.views.patient_detail calls each context function and includes each template, in order.
A context function gets (request, patient) and returns the extra template context it needs.
"""

from collections.abc import Callable
from typing import Any

from ccmweb.tenants.http import MemberRequest

from .models import Patient

ContextFn = Callable[[MemberRequest, Patient], dict[str, Any]]

PANELS: list[tuple[str, ContextFn]] = []


def register(template_name: str, context_fn: ContextFn) -> None:
    """Add a panel once (registering the same template again is ignored)."""
    if all(name != template_name for name, _ in PANELS):
        PANELS.append((template_name, context_fn))
