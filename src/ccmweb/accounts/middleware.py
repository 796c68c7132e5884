"""Log users out after CCM_IDLE_MINUTES without a request (HIPAA automatic logoff)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "ccm_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
            else:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
