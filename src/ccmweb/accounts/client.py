"""The client's address, believing X-Forwarded-For only from a proxy we trust.

`CCM_TRUSTED_PROXIES` lists the proxies (addresses or networks; default the loopback, where a
proxy on the same machine connects from). A request whose peer is one of them has its
`REMOTE_ADDR` replaced, first thing, by the nearest address in X-Forwarded-For that is not a
trusted proxy; any other request keeps its peer, whatever headers it sends. Everything that
reads `REMOTE_ADDR` then sees the client: django-axes' lockouts (else five wrong passwords
through the proxy lock a user out for everyone), the access log, the reset-link rate limit,
and gunicorn's own access log (which reads the same WSGI environ after the response).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.5, 10.1.0.0/16, ::1` as networks; ValueError naming an entry that is neither."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"CCM_TRUSTED_PROXIES: {entry!r} is not an address or network"
                ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: Iterable[Network]) -> bool:
    found = _address(address)
    return found is not None and any(found in network for network in proxies)


def client_address(peer: str, forwarded_for: str, proxies: tuple[Network, ...]) -> str:
    """The client behind PEER: from the right of FORWARDED_FOR, the first address that is not
    a trusted proxy, when PEER is one; else PEER. A malformed entry ends the walk there."""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    client = peer
    for entry in reversed(forwarded_for.split(",")):
        found = _address(entry)
        if found is None:
            break
        client = str(found)
        if not any(found in network for network in proxies):
            break
    return client


def _proxies() -> tuple[Network, ...]:
    return parse_networks(getattr(settings, "TRUSTED_PROXIES", "127.0.0.1,::1"))


class ClientAddressMiddleware:
    """First in the chain: REMOTE_ADDR becomes the client's address (the peer kept beside it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if peer and forwarded:
            request.META["CCM_PEER_ADDR"] = peer
            request.META["REMOTE_ADDR"] = client_address(peer, forwarded, _proxies())
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (django-axes' AXES_CLIENT_IP_CALLABLE, the access log, limits)."""
    return request.META.get("REMOTE_ADDR") or None
