"""A stream given up on (`Output.abandon`, a lost device) must not crash the process later, and
a device that was only starved is not given up on. A real JACK dummy server (PortAudio on it)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from livegen.live import serve
from livegen.live.audio import output
from livegen.live.pipeline.source import LoopSource
from tests.support.performer import free_port

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is not installed")
ROOT = Path(__file__).resolve().parents[2]

ABANDON = """
import argparse, gc, os, sys, time
from livegen.live import serve
from livegen.live.pipeline.source import LoopSource
parser = argparse.ArgumentParser()
serve.add_arguments(parser)
args = parser.parse_args(["--source", "loops", "--quiet", "--clock", "internal",
                          "--osc-port", sys.argv[1]])
server = serve.start(args, source=LoopSource())
time.sleep(0.5)
blocks = server.daemon.engine.blocks
server.output.abandon()
server.output = None  # the daemon lets go of it; PortAudio's JACK client still runs it
gc.collect()
time.sleep(1.0)
print("alive", server.daemon.engine.blocks > blocks, flush=True)
os._exit(0)
"""


def start(port: int) -> serve.Server:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    args = parser.parse_args(["--source", "loops", "--quiet", "--clock", "internal",
                              "--osc-port", str(port)])  # fmt: skip
    return serve.start(args, source=LoopSource())


def test_an_abandoned_stream_outlives_its_daemon(jack_server):
    """Before: the stream object (and the cffi callback PortAudio calls) was freed with the
    server while PortAudio's JACK client kept cycling: a SIGSEGV in a native thread, later."""
    done = subprocess.run(
        [sys.executable, "-c", ABANDON, str(free_port())], capture_output=True, text=True,
        timeout=60, cwd=ROOT, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    # The callback kept being called after the daemon let go: the JACK client never stopped.
    assert done.stdout.strip() == "alive True", done.stdout


def test_a_device_that_only_starved_is_closed_not_abandoned(jack_server):
    """The watchdog flags a loss after 0.5 s without callbacks; a C call holding the GIL for a
    second does that too. At stop, callbacks that come again mean the stream is closed."""
    server = start(free_port())
    daemon_stop = server.daemon.stop

    def stop_then_flag() -> None:  # flagged after its threads stopped: nobody clears it
        daemon_stop()
        server.daemon.audio.lost_at = time.monotonic()  # as the watchdog marks a loss

    server.daemon.stop = stop_then_flag  # type: ignore[method-assign]
    abandoned = len(output._ABANDONED)
    try:
        time.sleep(0.5)
    finally:
        server.stop()
    assert server.daemon.audio.lost
    assert server.output.stream.closed
    assert len(output._ABANDONED) == abandoned
