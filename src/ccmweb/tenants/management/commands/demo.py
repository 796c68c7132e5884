"""`ccm demo [--patients N] [--seed S]`: a demo tenant with staff and generated patients, idempotently.

Makes organisation `demo`, practice `demo-clinic`, two practitioners, the demo users and N
patients from ccm.population (patient i is the same on every run, so existing MRNs are
skipped), then calls each app's demo hook (see ccmweb.tenants.demo_context).  Passwords:
CCM_DEMO_PASSWORD when set (applied every run, so scripts can rely on it), else one is
generated for new users and printed once; it is stored only as a hash.
"""

import datetime as dt
import importlib
import os
import random
import secrets
import sys
import zoneinfo
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.population import GeneratedPatient, generate_patients
from ccm.rules import coverage as coverage_rules
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient
from ccmweb.tenants import demo_fqhc
from ccmweb.tenants.demo_context import (
    DEMO_HOOK_APPS,
    DEMO_USERNAMES,
    DemoContext,
    coordinator_for,
    plan_programs,
)
from ccmweb.tenants.models import Membership, Organization, Practice, Practitioner, Role

if TYPE_CHECKING:
    from rich.progress import Progress

BATCH = 1000
# username → (role, first name, last name)
STAFF = {
    "coordinator": (Role.COORDINATOR, "Rosa", "Alvarez"),
    "coordinator2": (Role.COORDINATOR, "Tom", "Becker"),
    "practitioner": (Role.PRACTITIONER, "Maya", "Patel"),
    "biller": (Role.BILLER, "Jordan", "Lee"),
    "admin": (Role.ADMIN, "Pat", "Morgan"),
    "auditor": (Role.AUDITOR, "Alex", "Kim"),
}
assert tuple(STAFF) == DEMO_USERNAMES


class Command(BaseCommand):
    help = "Create (idempotently) the demo organisation, practice, users and N patients."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=500, help="how many (default 500)")
        parser.add_argument("--seed", type=int, default=2026, help="population seed")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["patients"] < 0:
            raise CommandError("--patients: must be 0 or more")
        self.migrate_if_needed()
        with scopes_disabled():
            with transaction.atomic():
                org, practice, practitioners = self.practice()
                users = self.staff(org, practitioners[0])
            today = timezone.localdate(timezone=zoneinfo.ZoneInfo(practice.time_zone))
            added = self.patients(
                org, practice, practitioners, users, opts["patients"], opts["seed"], today
            )
            with transaction.atomic():
                fqhc, fqhc_practitioners = demo_fqhc.fqhc_practice(org, users["practitioner"])
            fqhc_added = self.patients(
                org,
                fqhc,
                fqhc_practitioners,
                users,
                demo_fqhc.patient_count(opts["patients"]),
                opts["seed"] + demo_fqhc.SEED_OFFSET,
                today,
                demo_fqhc.as_fqhc_patient,
            )
        history = demo_fqhc.transition_months()
        with scope(organization=org):
            self.seed_practice(org, practice, practitioners, users, today, opts["seed"], added)
            self.seed_practice(
                org, fqhc, fqhc_practitioners, users, today, opts["seed"], fqhc_added, history
            )
        self.announce(*self.logins)  # last, so the logins are what `make run` leaves on screen

    def seed_practice(
        self,
        org: Organization,
        practice: Practice,
        practitioners: list[Practitioner],
        users: dict[str, User],
        today: dt.date,
        seed: int,
        added: int,
        history: Sequence[BillingMonth] = (),
    ) -> None:
        """Report the practice's patients, then run every app's demo hook for it; a practice
        with HISTORY months (the FQHC) has its consents dated before the first of them."""
        demo_patients = Patient.objects.filter(practice=practice)
        total = demo_patients.count()
        kind = "" if practice.slug == "demo-clinic" else f" ({practice.get_setting_display()})"
        self.stdout.write(
            f"Demo: organisation {org.slug}, practice {practice.slug}{kind}: "
            f"{total} patients ({added} new)."
        )
        tag = "" if practice.slug == "demo-clinic" else f":{practice.slug}"
        context = DemoContext(
            organization=org,
            practice=practice,
            practitioners=practitioners,
            users=users,
            patients=demo_patients,
            today=today,
            rng=random.Random(f"demo-hooks:{seed}{tag}"),
            stdout=self.stdout,
            programs=plan_programs(demo_patients, users["coordinator"]),
            history=tuple(history),
            consent_before=history[0].first if history else None,
        )
        for app in DEMO_HOOK_APPS:
            self.run_hook(app, context)

    def migrate_if_needed(self) -> None:
        """Apply migrations only when some are pending: a migrated database is left alone."""
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Migrating the database…")
            call_command("migrate", interactive=False, verbosity=0)

    def practice(self) -> tuple[Organization, Practice, list[Practitioner]]:
        """The demo organisation (a CCM service company), its clinic and two practitioners."""
        org, _ = Organization.objects.get_or_create(
            slug="demo",
            defaults={"name": "Demo Care Partners", "kind": Organization.Kind.SERVICE_COMPANY},
        )
        practice, _ = Practice.objects.get_or_create(
            organization=org,
            slug="demo-clinic",
            defaults={
                "name": "Demo Family Medicine",
                "tin": "271234567",
                "billing_npi": "1999999901",
                "setting": Practice.Setting.OFFICE,
                "locality": "",  # blank: national amounts
                "time_zone": "America/New_York",
                "address_line": "100 Market St",
                "city": "Harrisburg",
                "state": "PA",
                "postal_code": "17101-1234",
                "branding_phone": "(717) 555-0100",
            },
        )
        practitioners = []
        for npi, given, family, credential in (
            ("1888888801", "Maya", "Patel", Practitioner.Credential.MD),
            ("1777777701", "Samuel", "Okafor", Practitioner.Credential.NP),
        ):
            practitioner, _ = Practitioner.objects.get_or_create(
                organization=org,
                practice=practice,
                npi=npi,
                defaults={"given_name": given, "family_name": family, "credential": credential},
            )
            practitioners.append(practitioner)
        return org, practice, practitioners

    def staff(self, org: Organization, own_practitioner: Practitioner) -> dict[str, User]:
        """The demo users with their memberships; passwords as the module docstring says."""
        User = get_user_model()
        fixed = os.environ.get("CCM_DEMO_PASSWORD")
        generated = secrets.token_urlsafe(12)
        users, new = {}, []
        for username, (role, first, last) in STAFF.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=first, last_name=last)
                user.set_password(fixed or generated)
                user.save()
                new.append(username)
            elif fixed:
                user.set_password(fixed)
                user.save(update_fields=["password"])
            if role == Role.ADMIN and not user.is_staff:  # the demo's admin runs the installation
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            Membership.objects.get_or_create(user=user, organization=org, defaults={"role": role})
            users[username] = user
        if own_practitioner.user_id is None:
            own_practitioner.user = users["practitioner"]
            own_practitioner.save(update_fields=["user"])
        self.logins = (new, generated if new and not fixed else None, bool(fixed))
        return users

    def announce(self, new: list[str], password: str | None, fixed: bool) -> None:
        """Print the logins once: the generated password is never stored in clear anywhere."""
        if fixed:
            self.stdout.write(
                f"Demo users {', '.join(DEMO_USERNAMES)}: password from CCM_DEMO_PASSWORD."
            )
        elif password is None:
            self.stdout.write(
                "Demo users already exist; their passwords are unchanged "
                "(set CCM_DEMO_PASSWORD to reset them)."
            )
        else:
            lines = [
                "ccm demo logins (shown this once; not stored in clear)",
                f"usernames: {', '.join(new)}",
                f"password:  {password}",
                "log in at the address `ccm serve` prints (make run: http://127.0.0.1:8000/)",
            ]
            width = max(len(line) for line in lines)
            rule = "+" + "-" * (width + 2) + "+"
            self.stdout.write(
                "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])
            )

    def patients(
        self,
        org: Organization,
        practice: Practice,
        practitioners: list[Practitioner],
        users: dict[str, User],
        count: int,
        seed: int,
        today: dt.date,
        adapt: Callable[[GeneratedPatient], GeneratedPatient] | None = None,
    ) -> int:
        """Add generated patients 0..count-1 (made the practice's own by ADAPT) whose MRNs are
        not there yet, in batches."""
        existing = set(Patient.objects.filter(practice=practice).values_list("mrn", flat=True))
        batch: list[GeneratedPatient] = []
        added = 0
        with _progress(count, "Demo patients") as advance:
            for generated in generate_patients(count, seed=seed, today=today):
                if adapt is not None:
                    generated = adapt(generated)
                if generated.mrn not in existing:
                    batch.append(generated)
                if len(batch) == BATCH:
                    added += self.save_batch(org, practice, practitioners, users, batch)
                    batch = []
                advance(1)
            added += self.save_batch(org, practice, practitioners, users, batch)
        return added

    def save_batch(
        self,
        org: Organization,
        practice: Practice,
        practitioners: list[Practitioner],
        users: dict[str, User],
        batch: list[GeneratedPatient],
    ) -> int:
        """Write one batch of patients with their conditions, visits and coverage."""
        if not batch:
            return 0
        with transaction.atomic():
            patients = Patient.objects.bulk_create(
                [
                    Patient(
                        organization=org,
                        practice=practice,
                        source_id=g.source_id,
                        mrn=g.mrn,
                        given_name=g.given_name,
                        family_name=g.family_name,
                        birth_date=g.birth_date,
                        sex=g.sex,
                        phone=g.phone,
                        address_line=g.address_line,
                        city=g.city,
                        state=g.state,
                        postal_code=g.postal_code,
                        mbi=g.mbi,
                        part_b=g.part_b,
                        qmb=g.qmb,
                        # the state its coverage rows give (ccm.rules.coverage), as an import sets it
                        medicare=coverage_rules.standing(
                            [g.coverage, *(["qmb"] if g.qmb else [])]
                        ).state
                        if g.coverage
                        else "",
                        deceased_date=g.deceased_date,
                        coordinator=users[coordinator_for(len(g.conditions), g.index)],
                    )
                    for g in batch
                ]
            )
            conditions, encounters, coverages = [], [], []
            for patient, g in zip(patients, batch, strict=True):
                conditions += [
                    Condition(
                        organization=org,
                        patient=patient,
                        icd10_code=c.icd10_code,
                        display=c.display,
                        onset_date=c.onset_date,
                    )
                    for c in g.conditions
                ]
                seen_by = practitioners[g.usual_practitioner % len(practitioners)]
                encounters += [
                    Encounter(
                        organization=org,
                        patient=patient,
                        date=e.date,
                        encounter_class=e.encounter_class,
                        type_system=e.type_system,
                        type_code=e.type_code,
                        type_display=e.type_display,
                        practitioner=seen_by if e.encounter_class == "AMB" else None,
                    )
                    for e in g.encounters
                ]
                if g.coverage:
                    coverages.append(
                        Coverage(
                            organization=org,
                            patient=patient,
                            kind=g.coverage,
                            payer_name="Medicare" if g.part_b else "Medicare Advantage plan",
                            member_id=g.mbi,
                            start_date=g.coverage_start,
                        )
                    )
                if g.qmb:
                    coverages.append(
                        Coverage(
                            organization=org,
                            patient=patient,
                            kind=Coverage.Kind.QMB,
                            payer_name="State Medicaid (QMB)",
                            start_date=g.coverage_start,
                        )
                    )
            Condition.objects.bulk_create(conditions, batch_size=BATCH)
            Encounter.objects.bulk_create(encounters, batch_size=BATCH)
            Coverage.objects.bulk_create(coverages, batch_size=BATCH)
        return len(patients)

    def run_hook(self, app: str, context: DemoContext) -> None:
        """Call ccmweb.<app>.demo.seed(context) when that module exists, in one transaction."""
        name = f"ccmweb.{app}.demo"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name == name:
                return
            raise
        with transaction.atomic():
            module.seed(context)


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label = total, label
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty() or not self.total:
            return lambda n: None
        from rich.console import Console
        from rich.progress import Progress

        bar = self.bar = Progress(console=Console(stderr=True), transient=True)
        bar.__enter__()
        task = bar.add_task(self.label, total=self.total)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        return False
