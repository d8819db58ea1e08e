"""Patch tests use the dummy JACK server fixture (tests/conftest.py) and the port helper."""

from __future__ import annotations

import pytest

from tests.support.performer import free_port


@pytest.fixture
def free_port_fn():
    return free_port
