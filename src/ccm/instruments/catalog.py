"""The instruments ccm offers, by key."""

from ccm.instruments.base import Instrument
from ccm.instruments.falls import FALLS
from ccm.instruments.function import ADL_INSTRUMENT, IADL_INSTRUMENT
from ccm.instruments.hrsn import HRSN
from ccm.instruments.phq import GAD7, PHQ2, PHQ9

INSTRUMENTS: dict[str, Instrument] = {
    i.key: i for i in (PHQ2, PHQ9, GAD7, FALLS, ADL_INSTRUMENT, IADL_INSTRUMENT, HRSN)
}


def instrument(key: str) -> Instrument:
    """The instrument KEY; KeyError names an unknown one."""
    return INSTRUMENTS[key]
