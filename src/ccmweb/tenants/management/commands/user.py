"""`ccm user add USERNAME --org SLUG --role ROLE [--practice SLUG] [--org-name NAME] [--operator]`
(the first administrator of a new installation: `--org-name` creates the organisation), and two-step log-in:
`ccm user reset-two-factor USERNAME` (a lost phone), `ccm user require-two-factor SLUG on|off`."""

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_scopes import scopes_disabled

from ccmweb.tenants.models import Membership, Organization, Role
from ccmweb.tenants.practices import practice_named


class Command(BaseCommand):
    help = "Manage users: `user add USERNAME --org SLUG --role ROLE [--practice SLUG]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a user to an organisation with a role")
        add.add_argument("username")
        add.add_argument("--org", required=True, help="organisation slug")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument(
            "--practice",
            action="append",
            default=[],
            help="limit to this practice slug (repeatable)",
        )
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        add.add_argument("--email", default="", help="for a forgotten password's reset link")
        add.add_argument(
            "--org-name",
            default="",
            help="create the organisation with this name when it does not exist (a new install)",
        )
        add.add_argument(
            "--operator",
            action="store_true",
            help="the installation's operator: may load fee schedules for every organisation",
        )
        email = sub.add_parser("set-email", help="the address a forgotten password's link goes to")
        email.add_argument("username")
        email.add_argument("address")

        reset = sub.add_parser(
            "reset-two-factor", help="remove a user's authenticator (lost phone, no recovery code)"
        )
        reset.add_argument("username")
        require = sub.add_parser(
            "require-two-factor", help="whether an organisation's members must use an authenticator"
        )
        require.add_argument("org", help="organisation slug")
        require.add_argument("state", choices=["on", "off"])

    def handle(self, *args: Any, **opts: Any) -> None:
        with scopes_disabled():
            if opts["action"] == "reset-two-factor":
                self.reset_two_factor(opts["username"])
            elif opts["action"] == "require-two-factor":
                self.require_two_factor(opts["org"], opts["state"] == "on")
            elif opts["action"] == "set-email":
                self.set_email(opts["username"], opts["address"])
            else:
                self.add(opts)

    def reset_two_factor(self, username: str) -> None:
        from ccmweb.accounts.two_factor import disable, factor_of

        user = _user(username)
        if factor_of(user) is None:
            self.stdout.write(f"{username} has no authenticator; nothing to reset")
            return
        disable(user)
        self.stdout.write(
            f"removed {username}'s authenticator: they log in with their password and set up a new one"
        )

    def set_email(self, username: str, address: str) -> None:
        user = _user(username)
        user.email = _valid_email(address)
        user.save(update_fields=["email"])
        self.stdout.write(f"{username}'s password reset link now goes to {user.email}")

    def require_two_factor(self, slug: str, required: bool) -> None:
        changed = Organization.objects.filter(slug=slug).update(require_two_factor=required)
        if not changed:
            raise CommandError(f"no organisation with slug {slug!r}")
        state = "now requires" if required else "no longer requires"
        self.stdout.write(f"{slug} {state} two-step log-in")

    def add(self, opts: dict[str, Any]) -> None:
        org = Organization.objects.filter(slug=opts["org"]).first()
        if org is None and opts["org_name"].strip():
            org = Organization(slug=opts["org"], name=opts["org_name"].strip())
            try:
                org.full_clean()
            except ValidationError as e:
                raise CommandError(f"--org: {' '.join(e.messages)}") from None
            org.save()
            self.stdout.write(f"created organisation {org.slug} ({org.name})")
        if org is None:
            raise CommandError(
                f"--org: no organisation with slug {opts['org']!r} (add --org-name to create it)"
            )
        practices = [practice_named(slug, org.slug) for slug in opts["practice"]]
        User = get_user_model()
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            if opts["password_stdin"]:
                password = sys.stdin.readline().rstrip("\n")
            else:
                import getpass

                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    raise CommandError("password: the two entries differ")
            user = User(username=opts["username"], email=_valid_email(opts["email"]))
            try:
                validate_password(password, user)
            except ValidationError as e:
                raise CommandError("password: " + " ".join(e.messages)) from None
            user.set_password(password)
        if Membership.objects.filter(user__username=opts["username"], organization=org).exists():
            raise CommandError(f"{opts['username']} is already a member of {org.slug}")
        if opts["operator"]:
            user.is_staff = True
        with transaction.atomic():
            user.save()
            membership = Membership.objects.create(user=user, organization=org, role=opts["role"])
            membership.practices.set(practices)
        self.stdout.write(f"added {user.username} to {org.slug} as {opts['role']}")


def _user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user


def _valid_email(address: str) -> str:
    """ADDRESS checked (empty is allowed: such a user cannot reset a forgotten password)."""
    from django.core.validators import validate_email

    address = address.strip()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError(f"email: {address!r} is not an e-mail address") from None
    return address
