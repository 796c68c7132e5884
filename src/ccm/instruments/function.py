"""Daily function. ADL: the six activities of the Katz Index of Independence in Activities of
Daily Living (Katz S et al. JAMA 1963;185:914-919), 1 point each done without supervision,
direction or personal help. IADL: the eight domains of the Lawton Instrumental Activities of
Daily Living Scale (Lawton MP, Brody EM. Gerontologist 1969;9:179-186), 1 point each done
independently. The questions are our own plain wording of the activities the indices name
(the indices' own forms are not reproduced). Cut-offs: cutoffs.py."""

from __future__ import annotations

from collections.abc import Mapping

from ccm.instruments import cutoffs
from ccm.instruments.base import Instrument, Item, Option, Result, band

ADL_SOURCE = "Katz Index of Independence in ADL (Katz 1963); activities in our own words"
IADL_SOURCE = "Lawton IADL Scale (Lawton & Brody 1969); domains in our own words"
ADL = (
    ("bathing", "Bathing: washes self fully, or needs help with only one part of the body"),
    ("dressing", "Dressing: gets clothes and dresses fully without help (tying shoes aside)"),
    ("toileting", "Toileting: goes to the toilet, gets on and off, cleans self without help"),
    ("transferring", "Transferring: moves in and out of bed or a chair without help"),
    ("continence", "Continence: full control of bladder and bowel"),
    ("feeding", "Feeding: gets food from plate to mouth without help"),
)
IADL = (
    ("telephone", "Using the telephone"),
    ("shopping", "Shopping for what is needed"),
    ("food", "Preparing meals"),
    ("housekeeping", "Housekeeping"),
    ("laundry", "Doing laundry"),
    ("transportation", "Getting around: driving or using transport alone"),
    ("medications", "Taking medicines in the right dose at the right time"),
    ("finances", "Handling money and paying bills"),
)
INDEPENDENCE = (Option("independent", "Independent", 1), Option("needs_help", "Needs help", 0))


def _adl(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    impaired = total <= cutoffs.KATZ_IMPAIRED_AT_MOST
    reasons = (
        (f"Katz ADL {total} ≤ {cutoffs.KATZ_IMPAIRED_AT_MOST} (Katz 1963)",) if impaired else ()
    )
    return Result(total, band(total, cutoffs.KATZ_BANDS), impaired, False, reasons)


def _iadl(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    helped = [key for key, options in picked.items() if options[0].points == 0]
    label = "independent in all eight" if not helped else f"needs help with {len(helped)} of 8"
    return Result(total, label, False)


ADL_INSTRUMENT = Instrument(
    "adl",
    "Activities of daily living (Katz)",
    "For each activity, does the patient do it on their own?",
    tuple(Item(key, text, INDEPENDENCE) for key, text in ADL),
    ADL_SOURCE,
    _adl,
    6,
    tags=("function",),
)
IADL_INSTRUMENT = Instrument(
    "iadl",
    "Instrumental activities of daily living (Lawton)",
    "For each activity, does the patient do it on their own?",
    tuple(Item(key, text, INDEPENDENCE) for key, text in IADL),
    IADL_SOURCE,
    _iadl,
    8,
    tags=("function",),
)
