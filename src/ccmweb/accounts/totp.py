"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the second factor at login.

Written out (thirty lines) rather than imported: the algorithm is fixed by the RFCs, and the
tests check it against their published vectors. SHA-1, 30-second steps and 6 digits are what
every authenticator app (Google Authenticator, Microsoft Authenticator, 1Password …) assumes.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import urllib.parse

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # accept the previous and the next step too: phone clocks drift


def new_secret() -> str:
    """160 random bits as base32 (RFC 4226 recommends 160), the form apps accept typed in."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 of the counter, dynamically truncated to DIGITS."""
    key = base64.b32decode(secret, casefold=True)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def matching_step(secret: str, code: str, unix_time: float, last_step: int) -> int | None:
    """The time step CODE is valid for around UNIX_TIME, or None; steps at or before
    LAST_STEP (already used) never match again, so a code seen over a shoulder is spent."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(unix_time)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if step > last_step and hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "ccm") -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode({"secret": secret, "issuer": issuer})
    return f"otpauth://totp/{label}?{query}"
