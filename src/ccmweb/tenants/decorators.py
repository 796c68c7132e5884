"""View guards: a logged-in member of an organisation whose role holds the capability."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .http import MemberRequest
from .roles import can

P = ParamSpec("P")
Response = TypeVar("Response", bound=HttpResponseBase)


def login_first(request: HttpRequest) -> HttpResponse:
    """To the login page; an HTMX request (say, after idle expiry) sends the whole page there."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        page = htmx.current_url_abs_path or "/"
        response = HttpResponse(status=401)
        response["HX-Redirect"] = redirect_to_login(page).url
        return response
    return redirect_to_login(request.get_full_path())


def requires(
    capability: str,
) -> Callable[
    [Callable[Concatenate[MemberRequest, P], Response]],
    Callable[Concatenate[HttpRequest, P], Response | HttpResponse],
]:
    """Login, an active membership, and a role that holds CAPABILITY (else 403).

    The view then receives a MemberRequest: its organisation and role are never None.
    """

    def decorator(
        view: Callable[Concatenate[MemberRequest, P], Response],
    ) -> Callable[Concatenate[HttpRequest, P], Response | HttpResponse]:
        @wraps(view)
        def wrapped(
            request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs
        ) -> Response | HttpResponse:
            if not request.user.is_authenticated:
                return login_first(request)
            if getattr(request, "organization", None) is None:
                raise PermissionDenied("You are not a member of any organisation.")
            member = cast(MemberRequest, request)  # what the checks above established
            if not can(member.role, capability):
                raise PermissionDenied("Your role does not allow this.")
            return view(member, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]  # read by the URL-walking test (test_isolation.py)
        return wrapped

    return decorator
