"""Standard screening instruments: their items, their scoring, their published cut-offs.

Pure: answers in, a frozen `Result` out. Only instruments whose text is free to use are here;
each module cites where its text comes from, and `cutoffs.py` holds every threshold with the
publication it comes from (clinical cut-offs, not CMS billing facts).

- PHQ-2, PHQ-9, GAD-7 (`phq.py`): Pfizer's PHQ screeners, "no permission required to
  reproduce, translate, display or distribute" (phqscreeners.com).
- Falls: CDC STEADI "Stay Independent" checklist (`falls.py`), a U.S. government work.
- ADL (Katz) and IADL (Lawton) (`function.py`): the activities each index names, in our own
  words, scored as the indices publish.
- Social needs: CMS Accountable Health Communities HRSN core questions (`hrsn.py`), a U.S.
  government work.
"""

from ccm.instruments.base import Instrument, Item, Option, Result, score
from ccm.instruments.catalog import INSTRUMENTS, instrument

__all__ = ["INSTRUMENTS", "Instrument", "Item", "Option", "Result", "instrument", "score"]
