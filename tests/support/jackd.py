"""A JACK dummy server for the tests that need real audio or MIDI ports (not a test module).

Each fixture runs its own server under a unique name (`jackd -n NAME`; clients find it through
JACK_DEFAULT_SERVER, which the fixture sets as it needs) and stops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator

SYSTEM = {f"system:{kind}_{i}" for kind in ("capture", "playback") for i in range(1, 9)}


@contextlib.contextmanager
def running_jackd(name: str, playback: int = 2) -> Iterator[dict[str, str]]:
    """A dummy-driver jackd at 48 kHz, 256 frames, with `playback` playback ports (PortAudio
    opens at most that many channels); yields the environment that reaches it."""
    env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    ports = [] if playback == 2 else ["-P", str(playback)]
    server = subprocess.Popen(
        ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "256", *ports],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        subprocess.run(["jack_wait", "-w", "-t", "10"], env=env, check=True, capture_output=True)
        yield env
    finally:
        # Let jackd see its clients leave first: notifying one whose socket is gone on the way
        # out kills it with SIGPIPE, and a jackd that dies keeps its slot in /dev/shm's server
        # registry (8 slots; new names never reclaim them: "Too many servers already active").
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and _ports(env) - SYSTEM:
            time.sleep(0.05)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _ports(env: dict[str, str]) -> set[str]:
    done = subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True, timeout=10)
    return set(done.stdout.split())


@contextlib.contextmanager
def portaudio_on_jackd(prefix: str, playback: int = 2, relist: bool = False) -> Iterator[str]:
    """A `running_jackd` under a fresh name that this process's PortAudio plays to (set in the
    environment for the test's duration); yields the name. `relist`: PortAudio lists devices
    when it starts, so restart it to see this server's port count. PortAudio lets go of the
    server before the server goes (or it aborts at exit)."""
    import uuid

    import sounddevice as sd

    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    try:
        with running_jackd(name, playback=playback):
            if relist:
                sd._terminate()
                sd._initialize()
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
