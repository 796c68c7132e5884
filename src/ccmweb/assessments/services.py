"""Give an instrument: score it in the core, keep the answers, and when the score crosses the
instrument's cut-off, make the practitioner's task (ccmweb.care_tasks)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from ccm.instruments import instrument, score
from ccm.instruments.base import AnswerError

from .models import Assessment


@transaction.atomic
def record(
    patient: Any, key: str, answers: dict[str, Any], *, by: Any, now: dt.datetime | None = None
) -> Assessment:
    """Score and keep one administration; AnswerError (names the question) keeps nothing."""
    from ccmweb.care_tasks.services import for_assessment

    try:
        tool = instrument(key)
    except KeyError:
        raise AnswerError("Instrument: not one ccm offers.") from None
    result = score(tool, answers)
    kept = {item.key: answers[item.key] for item in tool.items}
    assessment = Assessment.objects.create(
        organization=patient.organization,
        patient=patient,
        instrument=key,
        answers=kept,
        score=result.score,
        band=result.band,
        positive=result.positive,
        urgent=result.urgent,
        reasons=list(result.reasons),
        administered_by=by,
        administered_at=now or timezone.now(),
    )
    for_assessment(assessment, result)
    return assessment


def history(patient: Any) -> list[dict[str, Any]]:
    """Per instrument given, its administrations newest first (scores over time)."""
    from ccm.instruments import INSTRUMENTS

    rows = Assessment.objects.filter(patient=patient).select_related("administered_by")
    by_key: dict[str, list[Assessment]] = {}
    for a in rows.order_by("-administered_at", "-pk"):
        by_key.setdefault(a.instrument, []).append(a)
    return [{"instrument": INSTRUMENTS[k], "given": by_key[k]} for k in INSTRUMENTS if k in by_key]
