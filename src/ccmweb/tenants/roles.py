"""What each role may do: one table, read by the `requires` decorator and by templates."""

from .models import Role

CAPABILITIES: dict[str, frozenset[str]] = {
    # see patients, their conditions, visits and coverage
    "patients.view": frozenset(Role.values),
    # change patient data, log time, record consent
    "patients.edit": frozenset({Role.COORDINATOR, Role.PRACTITIONER, Role.ADMIN}),
    # import EMR data, manage practices and staff
    "practice.admin": frozenset({Role.ADMIN}),
    # enrollment gap audit and revenue
    "eligibility.audit": frozenset({Role.ADMIN, Role.PRACTITIONER}),
    # worklist and timer
    "worklist": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # assign patients to coordinators, in bulk
    "worklist.assign": frozenset({Role.ADMIN, Role.PRACTITIONER}),
    # document the month's medical decision making (complex CCM)
    "mdm.record": frozenset({Role.PRACTITIONER}),
    # create and sign care plans
    "careplans.author": frozenset({Role.PRACTITIONER}),
    # revise and monitor a care plan (a nurse may, but may not create one: cms-rules §5)
    "careplans.revise": frozenset({Role.COORDINATOR, Role.PRACTITIONER}),
    # month close, claims, remittance, denials
    "billing": frozenset({Role.BILLER, Role.ADMIN}),
    # approve a month's lines
    "billing.signoff": frozenset({Role.PRACTITIONER}),
    # read the audit packet of any patient-month
    "audit.read": frozenset({Role.AUDITOR, Role.BILLER, Role.ADMIN, Role.PRACTITIONER}),
    # read the program, revenue, coordinator and outcome reports (aggregates, no patient rows)
    "reports.view": frozenset({Role.PRACTITIONER, Role.BILLER, Role.ADMIN, Role.AUDITOR}),
    # recompute the reports' monthly facts now (they are also refreshed by the close and import)
    "reports.refresh": frozenset({Role.BILLER, Role.ADMIN}),
    # the service company's client statements, contracts, invoices and profitability
    "reports.company": frozenset({Role.ADMIN}),
    # review the access log: who saw or changed which patient's data (organisation-wide)
    "access.review": frozenset({Role.ADMIN, Role.AUDITOR}),
}


def can(role: str | None, capability: str) -> bool:
    """True when ROLE holds CAPABILITY; an unknown capability is a programming error."""
    return role is not None and role in CAPABILITIES[capability]
