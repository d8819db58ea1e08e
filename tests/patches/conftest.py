"""Patch tests reuse the daemon tests' JACK dummy server fixture (tests/server/conftest.py,
loaded by path: the tests folders are not packages) and port helper (tests/server/performer.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from performer import free_port

_spec = importlib.util.spec_from_file_location(
    "_livegen_server_conftest", Path(__file__).parents[1] / "server" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_server)

jack_server = _server.jack_server


@pytest.fixture
def free_port_fn():
    return free_port
