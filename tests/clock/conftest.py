"""Shared helpers for the clock tests: a virtual time source and stream feeding."""

from __future__ import annotations

import pytest


class VirtualTime:
    """A `now()` that only moves when a test moves it."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> float:
        self.t += dt
        return self.t


@pytest.fixture
def vtime() -> VirtualTime:
    return VirtualTime()
