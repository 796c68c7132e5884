"""The fuzz harness itself: its time bound fails an input that runs past it, wherever the
alarm lands, and does not count time spent waiting."""

import sys
import time

import pytest
from fuzzing import Hang, time_bound


def spin(seconds: float) -> None:
    """Use SECONDS of CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_loop_past_the_bound_is_a_hang():
    with pytest.raises(Hang, match="still running after 0.05 s"), time_bound(0.05):
        spin(2)


def test_a_hang_inside_a_finaliser_is_not_lost(monkeypatch):
    """The alarm landing in a gc callback or a __del__ is "Exception ignored" by Python; the
    input must fail all the same (make fuzz printed it as a warning and passed)."""
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)

    class Slow:
        def __del__(self) -> None:
            spin(2)

    with pytest.raises(Hang, match="where it was ignored"), time_bound(0.05):
        Slow()  # finalised at once: the alarm lands in __del__
    assert [u.exc_type for u in ignored] == [Hang]


def test_waiting_is_not_counted():
    with time_bound(0.05):
        time.sleep(0.3)
