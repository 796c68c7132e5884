"""A CCM service company's agreed share of a client practice's month, by its contract.

Contracts are the parties' own terms, not a CMS fact: the model (percent of collections or a
fee per enrolled patient per month) and its figure are data an administrator enters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PERCENT_OF_COLLECTIONS = "percent"
PER_ENROLLED_PATIENT = "per_patient"
MODELS = (PERCENT_OF_COLLECTIONS, PER_ENROLLED_PATIENT)
CENT = Decimal("0.01")


def agreed_share(model: str, rate: Decimal, paid: Decimal, enrolled: int) -> Decimal:
    """The company's share of a month: RATE percent of PAID (the collections posted for the
    month's claims), or RATE dollars for each of ENROLLED patients; to the cent."""
    if model == PERCENT_OF_COLLECTIONS:
        return (paid * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if model == PER_ENROLLED_PATIENT:
        return (rate * enrolled).quantize(CENT, rounding=ROUND_HALF_UP)
    raise ValueError(f"contract model {model!r}: one of {', '.join(MODELS)}")


def care_cost(hourly_cost: Decimal, minutes: int) -> Decimal:
    """What MINUTES of care time cost at HOURLY_COST, to the cent."""
    return (hourly_cost * minutes / 60).quantize(CENT, rounding=ROUND_HALF_UP)
