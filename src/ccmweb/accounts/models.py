"""The access log: who read or changed which patient's data, when, from where. Append-only.
Also the invitations that bring staff in."""

import datetime as dt
import uuid
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from ccmweb.tenants.models import Organization, Practice, Role


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an access-log row."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")


class AccessLog(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=10, choices=Action)
    object_type = models.CharField(max_length=40, help_text="e.g. patient, condition, time_entry")
    object_uid = models.CharField(max_length=64, help_text="Opaque id, never a name or MRN.")
    patient_uid = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    path = models.CharField(
        max_length=300, blank=True, help_text="URL path; ours carry opaque ids."
    )

    objects: ClassVar[models.Manager["AccessLog"]] = ScopedManager(
        models.Manager.from_queryset(AccessLogQuerySet), organization="organization"
    )
    _default_manager: ClassVar[models.Manager["AccessLog"]]

    class Meta:
        indexes = [models.Index(fields=["organization", "at"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The access log is append-only.")


class TwoFactor(models.Model):
    """A user's confirmed authenticator (TOTP): asked for after the password at every login.

    Not tenant data: a person has one authenticator whatever organisations they work for.
    `last_step` is the time step of the last accepted code, so no code is accepted twice;
    recovery codes are kept only as SHA-256 digests (they are random, 50 bits each, so a
    slow password hash adds nothing) and each works once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=0)
    recovery_digests = models.JSONField(default=list)


class Invitation(models.Model):
    """An e-mailed, one-use, expiring link to join an organisation with a role.

    Only the SHA-256 digest of the link's token is kept: the link is a credential, so it lives
    in the message alone (like a password reset link), never in the database or a log.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role)
    practices = models.ManyToManyField(Practice, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True)

    objects: ClassVar[models.Manager["Invitation"]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager["Invitation"]]

    def state(self, now: dt.datetime) -> str:
        """pending, accepted, revoked or expired, in the words the users page shows."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if now >= self.expires_at else "pending"
