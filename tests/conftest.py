"""Fixtures shared by several test folders: a dummy JACK server (daemon, clock, patch tests).

Helpers shared between folders live in the `tests.support` package (the repository root is on
pytest's `pythonpath`).
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.support.jackd import running_jackd


@pytest.fixture(scope="module")
def jack_server():
    name = f"livegen-serve-{uuid.uuid4().hex[:8]}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    # PortAudio must let go of the server before it goes (or it aborts at exit).
    import sounddevice as sd

    try:
        with running_jackd(name):
            try:
                yield name
            finally:
                sd._terminate()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        sd._initialize()
