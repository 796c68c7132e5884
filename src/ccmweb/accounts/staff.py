"""The staff pages: invite by e-mail, list members, change a role or practices, deactivate,
reset a lost authenticator. Organisation-wide admins only; every change is in the access log.

An invitation link is a credential: its token goes only into the message (the database keeps
its SHA-256), works once, and expires after CCM_INVITE_DAYS.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import password_validation as passwords
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from ccmweb.tenants.decorators import requires
from ccmweb.tenants.forms import PlainLabels, model_choices
from ccmweb.tenants.http import MemberRequest
from ccmweb.tenants.models import Membership, Practice, Role
from ccmweb.tenants.views import organisation_wide

from . import two_factor
from .audit import log_access
from .models import Invitation, TwoFactor


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PracticesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MemberForm(PlainLabels, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    practices = PracticesField(
        queryset=Practice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all of the organisation's practices.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "practices").queryset = Practice.objects.filter(
            archived_at__isnull=True
        ).order_by("name")


class InviteForm(MemberForm):
    email = forms.EmailField(label="E-mail address")
    field_order = ["email", "role", "practices"]


class AcceptForm(PlainLabels, forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        help_text="3 or more letters, digits or . @ + - _",
        error_messages={"invalid": "Use 3 or more letters, digits or . @ + - _"},
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput)

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("That username is taken: choose another.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            user = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=self.invitation.email,
            )
            user.joining = [self.invitation.organization]  # type: ignore[attr-defined]  # read by passwords.py: the joined organisation's minimum
            try:
                passwords.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


@requires("practice.admin")
def staff(request: MemberRequest) -> HttpResponse:
    """Members with role, practices, last log-in and two-step state; open invitations."""
    organisation_wide(request)
    members = list(
        Membership.objects.select_related("user")
        .prefetch_related("practices")
        .order_by("deactivated_at", "user__username")
    )
    with_factor = set(
        TwoFactor.objects.filter(user__in=[m.user for m in members]).values_list(
            "user_id", flat=True
        )
    )
    for member in members:
        member.has_factor = member.user_id in with_factor  # type: ignore[attr-defined]  # for the staff list's template
    now = timezone.now()
    invitations = [
        (invite, invite.state(now)) for invite in Invitation.objects.order_by("-created_at")[:50]
    ]
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invite_by_email(request, form)
        return redirect("accounts:staff")
    context = {"members": members, "invitations": invitations, "form": form, "now": now}
    return render(request, "accounts/staff.html", context)


def invite_by_email(request: MemberRequest, form: InviteForm) -> Invitation:
    """Store the invitation (its token's digest only) and mail the one-use link."""
    token = secrets.token_urlsafe(32)
    days = settings.INVITE_DAYS
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organization=request.organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            token_digest=_digest(token),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        invitation.practices.set(form.cleaned_data["practices"])
        log_access(request, "create", invitation)
    link = request.build_absolute_uri(f"/invite/{token}/")
    body = render_to_string(
        "accounts/invitation_email.txt",
        {"invitation": invitation, "link": link, "days": days, "inviter": request.user},
    )
    org = request.organization
    send_mail(f"Join {org.name} on ccm", body, None, [invitation.email])
    messages.success(
        request,
        f"An invitation went to {invitation.email}; its link works once, for {days} days.",
    )
    return invitation


@require_POST
@requires("practice.admin")
def revoke_invitation(request: MemberRequest, uid: str) -> HttpResponse:
    organisation_wide(request)
    invitation = get_object_or_404(Invitation, uid=uid)
    if invitation.state(timezone.now()) == "pending":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        log_access(request, "delete", invitation)
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("accounts:staff")


INVITE_SESSION = "ccm_invite"


def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: keep its token's digest in the session and drop the token from the
    address (as Django's reset link does), so no log or Referer header ever carries it."""
    request.session[INVITE_SESSION] = _digest(token)
    return redirect("accept_invitation")


def accept_invitation(request: HttpRequest) -> HttpResponse:
    """The link's page: choose a username and password, then log in as usual. Works once."""
    digest = request.session.get(INVITE_SESSION, "")
    with scopes_disabled():
        invitation = (
            Invitation.objects.filter(token_digest=digest).select_related("organization").first()
            if digest
            else None
        )
    state = invitation.state(timezone.now()) if invitation else "unknown"
    if invitation is None or state != "pending":
        return render(request, "accounts/invitation_gone.html", {"state": state}, status=410)
    form = AcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        with scopes_disabled(), transaction.atomic():
            locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if locked.state(timezone.now()) != "pending":  # used in another tab meanwhile
                return render(
                    request, "accounts/invitation_gone.html", {"state": "accepted"}, status=410
                )
            data = form.cleaned_data
            user = get_user_model().objects.create_user(
                username=data["username"],
                password=data["password1"],
                email=locked.email,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            membership = Membership.objects.create(
                user=user, organization=locked.organization, role=locked.role
            )
            membership.practices.set(locked.practices.all())
            Invitation.objects.filter(pk=locked.pk).update(
                accepted_at=timezone.now(), accepted_by=user
            )
            from .models import AccessLog

            AccessLog.objects.create(
                organization=locked.organization,
                user=user,
                action="create",
                object_type="membership",
                object_uid=str(membership.uid),
                path="/invite/",
            )
        request.session.pop(INVITE_SESSION, None)
        messages.success(request, "Your account is ready: log in with it now.")
        return redirect("login")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation_accept.html", context)


def _member(request: MemberRequest, uid: str) -> Membership:
    organisation_wide(request)
    return get_object_or_404(Membership.objects.select_related("user"), uid=uid)


def _last_admin(member: Membership) -> bool:
    """True when MEMBER is the organisation's only active organisation-wide admin."""
    others = Membership.objects.filter(
        role=Role.ADMIN, deactivated_at__isnull=True, practices__isnull=True
    ).exclude(pk=member.pk)
    return member.role == Role.ADMIN and not others.exists()


@requires("practice.admin")
def member(request: MemberRequest, uid: str) -> HttpResponse:
    """Change a member's role and practices; deactivate or reset their authenticator apart."""
    membership = _member(request, uid)
    initial = {"role": membership.role, "practices": membership.practices.all()}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        role, chosen = form.cleaned_data["role"], form.cleaned_data["practices"]
        if _last_admin(membership) and (role != Role.ADMIN or chosen):
            form.add_error(
                "role", "This is the only organisation-wide administrator: make another first."
            )
        else:
            with transaction.atomic():
                membership.role = role
                membership.save(update_fields=["role"])
                membership.practices.set(chosen)
                log_access(request, "update", membership)
            messages.success(request, f"{membership.user.get_username()} was updated.")
            return redirect("accounts:staff")
    context = {
        "membership": membership,
        "form": form,
        "has_factor": two_factor.factor_of(membership.user) is not None,
    }
    return render(request, "accounts/member.html", context)


@require_POST
@requires("practice.admin")
def deactivate(request: MemberRequest, uid: str) -> HttpResponse:
    """End a member's access at once (every session of theirs, when this was their only
    organisation); their user, time entries, signatures and log rows stay."""
    membership = _member(request, uid)
    name = membership.user.get_username()
    if membership.deactivated_at is not None:
        return redirect("accounts:staff")
    if _last_admin(membership) or membership.user_id == request.user.pk:
        messages.error(request, "You cannot deactivate yourself or the only administrator.")
        return redirect("accounts:member", uid=membership.uid)
    with transaction.atomic(), scopes_disabled():
        Membership.objects.filter(pk=membership.pk).update(deactivated_at=timezone.now())
        user = membership.user
        if not Membership.objects.filter(user=user, deactivated_at__isnull=True).exists():
            # An inactive user fails Django's check on every request: logged out everywhere.
            user.is_active = False
            user.save(update_fields=["is_active"])
        log_access(request, "delete", membership)
    messages.success(request, f"{name} no longer has access; their history is kept.")
    return redirect("accounts:staff")


@require_POST
@requires("practice.admin")
def reset_two_factor(request: MemberRequest, uid: str) -> HttpResponse:
    """A lost phone: remove the authenticator, so the member sets up a new one at next log-in."""
    membership = _member(request, uid)
    if two_factor.factor_of(membership.user) is not None:
        two_factor.disable(membership.user)
        log_access(request, "update", membership)
        messages.success(
            request,
            f"{membership.user.get_username()}'s authenticator was removed: they set up a new one.",
        )
    return redirect("accounts:member", uid=membership.uid)
