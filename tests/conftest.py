"""Fixtures shared by several test folders: a dummy JACK server (daemon, clock, patch tests).

Helpers shared between folders live in the `tests.support` package (the repository root is on
pytest's `pythonpath`).
"""

from __future__ import annotations

import pytest

from tests.support.jackd import portaudio_on_jackd


@pytest.fixture(scope="module")
def jack_server():
    with portaudio_on_jackd("livegen-serve") as name:
        yield name
