"""Second factor at login: enabling an authenticator, checking codes, recovery codes.

Views stay thin; every change to a TwoFactor row happens here, under a row lock, so two
log-ins racing with the same code cannot both succeed.
"""

import base64
import hashlib
import secrets
import time

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from . import totp
from .models import TwoFactor

RECOVERY_CODES = 8


def factor_of(user: User | AnonymousUser) -> TwoFactor | None:
    """The user's authenticator, if they set one up (an anonymous visitor has none)."""
    if not isinstance(user, User):
        return None
    return TwoFactor.objects.filter(user=user).first()


#: What people type for a base32 character that is not one (0 for O, 1 for I, 8 for B).
_LOOKALIKES = str.maketrans("018", "OIB")


def _digest(code: str) -> str:
    """The digest of a recovery code as issued (XXXXX-XXXXX), however it was typed: without
    the hyphen or with another dash, spaced, in lower case, with 0, 1 or 8 for O, I or B."""
    letters = "".join(c for c in code.upper() if c.isascii() and c.isalnum())
    if len(letters) == 10:
        code = f"{letters[:5]}-{letters[5:]}".translate(_LOOKALIKES)
    return hashlib.sha256("".join(code.split()).upper().encode()).hexdigest()


def _recovery_codes() -> list[str]:
    """Ten base32 characters (50 bits) each, grouped 5-5 to read aloud or type."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(7)).decode()[:10]
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm SECRET with a code from the app; returns the recovery codes (shown once), or
    None when the code does not match (the app was set up wrong, or the clock is off)."""
    step = totp.matching_step(secret, code, time.time(), last_step=0)
    if step is None:
        return None
    codes = _recovery_codes()
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        TwoFactor.objects.create(
            user=user,
            secret=secret,
            confirmed_at=timezone.now(),
            last_step=step,
            recovery_digests=[_digest(c) for c in codes],
        )
    return codes


def check(user: User, code: str, now: float | None = None) -> bool:
    """Accept a current authenticator code (each at most once) or an unused recovery code."""
    now = time.time() if now is None else now
    with transaction.atomic():
        factor = TwoFactor.objects.select_for_update().filter(user=user).first()
        if factor is None:
            return False
        step = totp.matching_step(factor.secret, code, now, factor.last_step)
        if step is not None:
            factor.last_step = step
            factor.save(update_fields=["last_step"])
            return True
        digest = _digest(code)
        if digest in factor.recovery_digests:
            factor.recovery_digests = [d for d in factor.recovery_digests if d != digest]
            factor.save(update_fields=["recovery_digests"])
            return True
    return False


def renew_recovery_codes(user: User) -> list[str]:
    """New recovery codes replace all the old ones (after a check() by the caller)."""
    codes = _recovery_codes()
    TwoFactor.objects.filter(user=user).update(recovery_digests=[_digest(c) for c in codes])
    return codes


def disable(user: User) -> None:
    TwoFactor.objects.filter(user=user).delete()
