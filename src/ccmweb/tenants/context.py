from django.http import HttpRequest

from .roles import CAPABILITIES, can


def tenant(request: HttpRequest) -> dict[str, object]:
    """Templates see the active organisation, practice, role and what the role may do."""
    role = getattr(request, "role", None)
    return {
        "organization": getattr(request, "organization", None),
        "active_practice": getattr(request, "active_practice", None),
        "allowed_practices": getattr(request, "allowed_practices", []),
        "memberships": getattr(request, "memberships", []),
        "role": role,
        "may": {name.replace(".", "_"): can(role, name) for name in CAPABILITIES},
    }
