"""Coming back from a lost audio device: wait for it, then restart in place with the session.

When the JACK server dies under a stream, PortAudio cannot let go of it (its JACK host waits up
to 10 minutes for the callback that will not come) and cannot open another one in the same
process (libjack keeps the dead server's state: a second client crashes in `jack_client_open`).
So `livegen serve` waits with OSC, clock and session alive, asks a short-lived child process
whether the device opens again (`probe_command`), and once it does re-executes itself in place
(same pid) with `--resume STATE`: a JSON file of the session, the subscribers, the internal
clock's phase, and the OSC socket, which stays open across the exec (no datagram refused in
between). The new process appends to the recording and continues the internal clock's bar grid
where it was (a MIDI clock or Link session carries its own phase).
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from livegen.clock.events import PPQN
from livegen.clock.sources import InternalClock
from livegen.control.commands import STEMS
from livegen.control.keys import parse_key
from livegen.live.audio.stems import GAIN, MUTE

SESSION_FIELDS = ("prompts", "audio_prompt", "guidance", "steps", "seed", "variation", "hold",
                  "gain", "clock", "bpm", "playing", "slot_weights", "scene", "words",
                  "stem_gains", "stem_mutes", "key_guidance", "key_lock")  # fmt: skip
PROBE = """
import sys, time
import sounddevice as sd
from livegen.live.audio.output import choose_output_device
calls = []
def callback(out, frames, t, status):
    out.fill(0)
    calls.append(frames)
device = choose_output_device(sd, sys.argv[1] or None)
with sd.OutputStream(device=device, samplerate=int(sys.argv[2]), channels=2, callback=callback):
    time.sleep(0.2)
sys.exit(0 if calls else 1)
"""


def probe_command(device: str | None, rate: int) -> list[str]:
    """A child process that exits 0 if the output device opens and plays at `rate` now."""
    return [sys.executable, "-c", PROBE, device or "", str(rate)]


def start_probe(device: str | None, rate: int) -> subprocess.Popen:
    return subprocess.Popen(probe_command(device, rate), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


class DeviceWatch:
    """Probes a lost device every `every` seconds, one child process at a time.

    Args:
        device: `--device` (None: the default output).
        rate: the stream's sample rate (under JACK, a server at another rate is not it).
    """

    def __init__(self, device: str | None, rate: int, every: float = 1.0) -> None:
        self.device, self.rate, self.every = device, rate, every
        self._probe: subprocess.Popen | None = None
        self._next = 0.0
        self.probes = 0

    def back(self, now: float) -> bool:
        """Whether the device opened in the probe that just ended (never blocks)."""
        if self._probe is not None:
            code = self._probe.poll()
            if code is None:
                return False
            self._probe = None
            if code == 0:
                return True
        if now >= self._next:
            self._next = now + self.every
            self._probe = start_probe(self.device, self.rate)
            self.probes += 1
        return False

    def close(self) -> None:
        if self._probe is not None and self._probe.poll() is None:
            self._probe.kill()
            self._probe.wait()


def save_state(daemon: Any, osc_fd: int | None, now: float) -> Path:
    """The daemon's session, subscribers, clock phase and OSC socket, as a JSON file."""
    session = daemon.controller.session
    state: dict[str, Any] = {
        "session": {name: getattr(session, name) for name in SESSION_FIELDS},
        "subscribers": [list(s) for s in daemon.controller.subscribers],
        "osc_fd": osc_fd,
        "losses": daemon.audio.losses,
        "key": None if getattr(session, "key", None) is None else session.key.name,
    }
    source = daemon.clock.source
    if isinstance(source, InternalClock):
        clock = source.state(now)
        tick = math.ceil(clock.song_tick)
        when = source.time_of_tick(tick)
        state["clock"] = {
            "bpm": str(source.bpm),
            "tick": tick,
            "at": None if when is None else float(when),
            "playing": clock.playing,
        }
    fd, path = tempfile.mkstemp(prefix="livegen-resume-", suffix=".json")
    with os.fdopen(fd, "w") as file:
        json.dump(state, file)
    return Path(path)


def load_state(path: Path) -> dict[str, Any]:
    with open(path) as file:
        state: dict[str, Any] = json.load(file)
    path.unlink(missing_ok=True)
    return state


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def restore_session(daemon: Any, state: dict[str, Any]) -> None:
    """Before `prepare`: the session (its prompts are embedded again), gain, subscribers."""
    fields = {k: _tuples(v) for k, v in state["session"].items() if k in SESSION_FIELDS}
    controller = daemon.controller
    controller.session = replace(controller.session, **fields)
    controller.subscribers = {(str(h), int(p)) for h, p in state.get("subscribers", ())}
    daemon.engine.target_gain = daemon.engine._gain = float(controller.session.gain)
    if state.get("key") and controller.session.model_keys:
        controller.session = replace(controller.session, key=parse_key(state["key"]))
    if getattr(daemon, "mixer", None) is not None:  # the stems as they were, from the first block
        s = controller.session
        for i, stem in enumerate(daemon.stems):
            daemon.mixer.set(i, GAIN, s.stem_gains[STEMS.index(stem)], now=True)
            daemon.mixer.set(i, MUTE, float(s.stem_mutes[STEMS.index(stem)]), now=True)
    daemon.audio.losses = int(state.get("losses", 0))


def start_clock(clock: Any, state: dict[str, Any] | None, first: float) -> None:
    """Start the internal clock at `first`, or continue the saved bar grid on a resume."""
    if isinstance(clock, InternalClock):
        if state is None or not restore_clock(clock, state, first):
            clock.start(first)


def restore_clock(clock: InternalClock, state: dict[str, Any], earliest: float) -> bool:
    """Continue the internal clock's bar grid from the saved phase, from the first tick at or
    after `earliest`; False if there is none to continue (then the caller starts it)."""
    saved = state.get("clock")
    if not saved:
        return False
    bpm = Fraction(saved["bpm"])
    clock.set_bpm(bpm)
    tick = int(saved["tick"])
    if not saved["playing"] or saved["at"] is None:
        clock.locate(tick)
        return True
    per_tick = Fraction(60) / (PPQN * bpm)
    ahead = max(0, math.ceil((Fraction(earliest) - Fraction(saved["at"])) / per_tick))
    clock.locate(tick + ahead)
    clock.resume(float(Fraction(saved["at"]) + ahead * per_tick))
    return True


def osc_socket(fd: int) -> socket.socket:
    """The OSC socket the process before the exec left open."""
    return socket.socket(fileno=fd)


def serve_argv(argv: list[str] | None) -> list[str]:
    """The `livegen serve` arguments this process was started with, without `--resume`."""
    if argv is None:
        argv = sys.argv[2:] if sys.argv[1:2] == ["serve"] else sys.argv[1:]
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--resume":
            skip = True
        elif not word.startswith("--resume="):
            out.append(word)
    return out


def reexec(argv: list[str], state: Path) -> None:
    """Replace this process with `livegen serve ARGV --resume STATE` (same pid)."""
    sys.stdout.flush()
    sys.stderr.flush()
    command = [sys.executable, "-m", "livegen.live.serve", *argv, "--resume", str(state)]
    os.execv(sys.executable, command)


def restart(server: Any, argv: list[str] | None) -> None:
    """The lost device is back: hand the session, clock phase and OSC socket to a fresh process
    in place (`server/resume.py`), after finalizing the recording. Does not return."""
    d = server.daemon
    d.stop()
    if d.recorder is not None:
        d.recorder.stop()
    fd = None if d.osc is None else d.osc.detach()
    path = save_state(d, fd, time.monotonic())
    if server.oscquery is not None:
        server.oscquery.close()
    reexec(serve_argv(argv), path)


def stop_within(server: Any, seconds: float, status: Any) -> None:
    """Stop the server; if that takes longer than `seconds` (a device that stopped answering),
    finalize the recording and leave at once: SIGTERM and Ctrl-C end the daemon in any state."""
    done = threading.Thread(target=server.stop, name="livegen-stop", daemon=True)
    done.start()
    done.join(seconds)
    if not done.is_alive():
        return
    if server.daemon.recorder is not None:
        server.daemon.recorder.stop()
    status.message("livegen serve: the audio device does not let go; stopped without it")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
