"""A time allowance for one article's steps, checked cooperatively between units of work.

Transforms read no clock: the caller (`flows/batch.py`) builds a `Budget` around a clock it owns
and passes it to each step; a step calls `check()` at its loop boundaries and lets `OverBudget`
propagate, so work stops within one loop iteration of the deadline. Steps run without one get
`UNLIMITED`, which never raises.
"""

from __future__ import annotations

import math
from collections.abc import Callable


class OverBudget(Exception):
    """The article's allowance ran out while a step was working on it."""


class Budget:
    """`seconds` of a clock from when it is made; `check()` raises `OverBudget` once they have passed."""

    __slots__ = ("_clock", "_deadline", "_start", "seconds")

    def __init__(self, clock: Callable[[], float], seconds: float) -> None:
        self._clock = clock
        self.seconds = seconds
        self._start = clock()
        self._deadline = self._start + seconds

    def check(self) -> None:
        """Raise `OverBudget` when the allowance is spent."""
        if self._clock() > self._deadline:
            raise OverBudget(f"over the {self.seconds:g} s budget")

    def used(self) -> float:
        """Clock seconds since the budget was made."""
        return self._clock() - self._start

    def remaining(self) -> float:
        """Clock seconds left (negative once spent)."""
        return self._deadline - self._clock()


def _no_time() -> float:
    return 0.0


UNLIMITED = Budget(_no_time, math.inf)
