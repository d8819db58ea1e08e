"""Patch tests reuse the daemon tests' JACK dummy server fixture and port helper
(tests/server/conftest.py, loaded by path: the tests folders are not packages)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "_livegen_server_conftest", Path(__file__).parents[1] / "server" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_server)

jack_server = _server.jack_server
free_port = _server.free_port


@pytest.fixture
def free_port_fn():
    return free_port
