"""After an ED visit or a hospital discharge: when the care team should have reached the patient.

Care-transition management is a CCM service element (cms-rules §6); the dates follow TCM's
(cms-rules §1a: interactive contact within 2 business days of discharge, a 30-day period from
discharge). ccm uses them to date the coordinator's follow-up task, whichever program bills.
"""

from __future__ import annotations

from datetime import date, timedelta

#: Interactive contact within 2 business days of discharge (cms-rules §1a, TCM).
CONTACT_BUSINESS_DAYS = 2
#: The post-discharge period TCM covers (cms-rules §1a).
TRANSITION_PERIOD_DAYS = 30


def contact_due(discharge: date) -> date:
    """The last day for the follow-up contact: DISCHARGE plus 2 business days (Mon–Fri;
    holidays are not known here, so the date errs early)."""
    day, left = discharge, CONTACT_BUSINESS_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def in_transition_period(discharge: date, today: date) -> bool:
    """True while TODAY is within the post-discharge period (an older discharge needs no task)."""
    return discharge <= today <= discharge + timedelta(days=TRANSITION_PERIOD_DAYS)
