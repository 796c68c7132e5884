"""The monthly report PDF, sent to a practice's administrators (the 5th's scheduled job)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from ccm.periods import BillingMonth
from ccmweb.pdf import render_pdf
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Membership, Practice, Role


def practice_admins(practice: Practice) -> list[str]:
    """E-mail addresses of the practice's active administrators: of the whole organisation, or
    limited to a set of practices that includes this one."""
    members = (
        Membership.objects.filter(
            organization_id=practice.organization_id, role=Role.ADMIN, deactivated_at__isnull=True
        )
        .annotate(limited=Count("practices"))
        .filter(Q(limited=0) | Q(practices=practice))
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(set(members))


def monthly_report_pdf(practice: Practice, month: BillingMonth) -> bytes:
    """The PDF the Reports page's "Monthly report" link gives for one practice."""
    from .views import monthly_report

    reports = monthly_report([practice], month, local_today(practice))
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "reports": reports,
            "report": reports[0],
            "f": {"label": practice.name, "month": month},
            "generated": timezone.now(),
        },
    )
    return render_pdf(html)


def send_monthly_report(practice: Practice, month: BillingMonth) -> int:
    """Send MONTH's report to the practice's administrators; how many addresses."""
    to = practice_admins(practice)
    if not to:
        return 0
    message = EmailMessage(
        subject=f"{practice.name}: care management report for {month}",
        body=f"Attached: the care management report of {practice.name} for {month} "
        "(program, revenue, coordinators, clinical outcomes). It is also on the Reports page.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach(
        f"report-{practice.slug}-{month}.pdf",
        monthly_report_pdf(practice, month),
        "application/pdf",
    )
    message.send()
    return len(to)
