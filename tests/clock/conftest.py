"""Shared helpers for the clock tests: a virtual time source and stream feeding."""

from __future__ import annotations

import pytest

from tests.support.virtual import VirtualTime


@pytest.fixture
def vtime() -> VirtualTime:
    return VirtualTime()
