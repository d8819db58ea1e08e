"""The thin I/O shell around `MidiClock`: a python-rtmidi input port (ALSA, JACK, CoreMIDI, WinMM).

Why python-rtmidi directly and not mido: mido's rtmidi backend throws RtMidi's delta times away,
and a tempo estimator lives on timestamps. Why not `time.monotonic()` on arrival alone: Python
sees a message only once it holds the GIL, so a busy interpreter (the generator!) adds
milliseconds of jitter. RtMidi stamps each message in its own thread before that wait; the
`DeltaStamper` keeps RtMidi's time line and only borrows the monotonic clock's origin.

python-rtmidi drops clock messages unless `ignore_types(timing=False)`. Nothing else is ignored
either: RtMidi's deltas run from message to message, and a message it swallowed would leave a
hole in the time line.

No RtMidi callback: a `MidiReader` thread of ours polls RtMidi's queue (see there why), stamps
each message and appends it to a deque (thread-safe, no lock); the events are parsed and fed to
the pure `MidiClock` in the caller's thread, on each query.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from livegen.clock.events import ClockEvent, parse_message
from livegen.clock.midi_clock import MidiClock, MidiClockConfig
from livegen.clock.sources import ClockState, FollowedTransport, Now

API_NAMES = ("auto", "alsa", "jack", "coremidi", "winmm")
DEFAULT_PORT_NAME = "clock_in"
PARKED_BATCH = 96  # messages queued before a parked input feeds its clock (~2 s of clock)


class MidiPortError(OSError):
    """A MIDI input could not be opened; the message says why and what to try."""


class DeltaStamper:
    """Arrival times from RtMidi's delta times, placed on the `now()` clock.

    The accumulated deltas are RtMidi's own time line; its offset to `now()` is the smallest
    (arrival - accumulated) seen, since an arrival can only be late, never early. The offset may
    creep up slowly (the two clocks' rates differ by parts per million), and snaps to the
    arrival when the time line is clearly broken (the deltas lost track).

    Args:
        drift: how fast (s per s) the offset may creep up (20 ppm: far more than two system
            clocks differ by, little enough to keep a stamp within a fraction of a ms).
        resync: an arrival this much later than the time line says resets it.
    """

    def __init__(self, drift: float = 2e-5, resync: float = 0.05) -> None:
        self.drift = drift
        self.resync = resync
        self._elapsed = 0.0
        self._offset: float | None = None
        self._last_arrival = 0.0

    def stamp(self, delta: float, arrival: float) -> float:
        self._elapsed += delta
        candidate = arrival - self._elapsed
        if self._offset is None or candidate < self._offset:
            self._offset = candidate
        elif candidate - self._offset > self.resync:
            self._offset = candidate
        else:
            creep = self.drift * max(arrival - self._last_arrival, 0.0)
            self._offset = min(self._offset + creep, candidate)
        self._last_arrival = arrival
        return self._elapsed + self._offset


class MidiReader:
    """An open RtMidi input's messages, handed to `handle(data, delta, arrival)` in our thread.

    Why not RtMidi's callback: with JACK, RtMidi runs it in the JACK process thread, and closing
    the port (`jack_client_close`) makes jack2 cancel that thread asynchronously. A thread cancelled
    while it holds, or waits for, the GIL takes the GIL with it, and the whole daemon, audio
    callback included, freezes: opening and closing inputs while a clock streamed, with a second
    thread busy as in the daemon, hung the process in 8 runs of 8, after 0 to 18 closes
    (tests/clock/midi_close.py does it). Without a callback RtMidi queues each message in C++
    and that thread never enters Python. RtMidi still measures each message's delta in its own
    thread; the poll only makes `arrival` later, which the `DeltaStamper` takes as the upper
    bound it always was (a callback waited for the GIL too).

    Args:
        midi_in: an open python-rtmidi MidiIn without a callback; `close()` closes it.
        handle: called for each message in the reader's thread; an exception is counted in
            `errors` and the reading goes on (`received` counts the messages).
        now: the clock `arrival` is read on.
        period: s the reader sleeps when the queue is empty (2 ms: about 1 % of one core per
            input here, and at most that much added to a message's arrival).
    """

    def __init__(
        self,
        midi_in: Any,
        handle: Callable[[list[int], float, float], None],
        *,
        now: Now = time.monotonic,
        period: float = 0.002,
    ) -> None:
        self.received = 0
        self.errors = 0
        self.period = period
        self._midi_in: Any = midi_in
        self._handle = handle
        self._now = now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="livegen-midi-in", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        get, stop = self._midi_in.get_message, self._stop
        while not stop.is_set():
            message = get()
            if message is None:
                stop.wait(self.period)
                continue
            self.received += 1
            try:
                self._handle(message[0], message[1], self._now())
            except Exception:  # a listener's bug must not stop the clock
                self.errors += 1

    def close(self) -> None:
        """Stop reading, then close the port: RtMidi's thread is never inside Python now."""
        if self._midi_in is None:
            return
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self._midi_in.close_port()
        self._midi_in.delete()
        self._midi_in = None


def _rtmidi() -> Any:
    try:
        import rtmidi
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise MidiPortError("python-rtmidi is not installed (pip install python-rtmidi)") from exc
    return rtmidi


def _api_constant(rtmidi: Any, api: str) -> int:
    constants = {
        "auto": rtmidi.API_UNSPECIFIED,
        "alsa": rtmidi.API_LINUX_ALSA,
        "jack": rtmidi.API_UNIX_JACK,
        "coremidi": rtmidi.API_MACOSX_CORE,
        "winmm": rtmidi.API_WINDOWS_MM,
    }
    if api not in constants:
        raise MidiPortError(f"unknown MIDI API {api!r}; choose one of {', '.join(API_NAMES)}")
    if api != "auto" and constants[api] not in rtmidi.get_compiled_api():
        compiled = ", ".join(rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api())
        raise MidiPortError(f"python-rtmidi was built without {api} (it has: {compiled})")
    return int(constants[api])


def _explain(api: str, exc: Exception) -> str:
    text = str(exc)
    if "ALSA" in text or api == "alsa":
        return (
            f"cannot open the ALSA sequencer ({text}). Is there a /dev/snd/seq? Without a sound "
            "card, start JACK (e.g. `jackd -d dummy`) and use --midi-api jack"
        )
    if "JACK" in text or api == "jack":
        return f"cannot reach a JACK server ({text}). Start jackd, or use --midi-api alsa"
    return f"cannot open MIDI ({text})"


ALSA_SEQ = Path("/dev/snd/seq")


def _open_midi_in(api: str, client_name: str) -> Any:
    """A MidiIn on `api`; 'auto' tries the platform default, then JACK. On Linux without an ALSA
    sequencer device (containers, no sound card) 'auto' goes straight to JACK: libasound would
    print its own "open /dev/snd/seq failed" line to stderr at every start, which we cannot
    catch and which reads like an error although JACK then works."""
    rtmidi = _rtmidi()
    candidates = [api] if api != "auto" else ["auto"]
    errors = []
    if api == "auto" and sys.platform.startswith("linux"):
        if ALSA_SEQ.exists():
            candidates.append("jack")  # the sequencer may still fail to open: then JACK
        else:
            candidates = ["jack"]
            errors.append(f"no ALSA sequencer ({ALSA_SEQ} does not exist)")
    for name in candidates:
        try:
            return rtmidi.MidiIn(_api_constant(rtmidi, name), client_name)
        except rtmidi.RtMidiError as exc:
            errors.append(_explain(name, exc))
    raise MidiPortError("; ".join(errors))


def list_input_ports(api: str = "auto") -> list[str]:
    """Names of the MIDI inputs this API offers (for `--midi-in` and error messages)."""
    midi_in = _open_midi_in(api, "livegen-probe")
    try:
        return list(midi_in.get_ports())
    finally:
        midi_in.delete()


def choose_port(ports: Sequence[str], wanted: str) -> int:
    """Index of the port whose name contains `wanted` (case-insensitive); readable errors."""
    matches = [i for i, name in enumerate(ports) if wanted.lower() in name.lower()]
    exact = [i for i in matches if ports[i].lower() == wanted.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    listing = "; ".join(ports) if ports else "none"
    if not matches:
        raise MidiPortError(f"no MIDI input matches {wanted!r}. Available inputs: {listing}")
    names = "; ".join(ports[i] for i in matches)
    raise MidiPortError(f"{wanted!r} matches several MIDI inputs ({names}); be more specific")


def open_input(
    api: str, port: str | None, virtual_name: str, port_name: str, client_name: str = "livegen"
) -> tuple[Any, str]:
    """A MidiIn (not yet listening) on the existing output port whose name contains `port`, or
    on a new virtual input `virtual_name:port_name` when `port` is None; and the port's name."""
    rtmidi = _rtmidi()
    midi_in = _open_midi_in(api, virtual_name if port is None else client_name)
    try:
        if port is None:
            midi_in.open_virtual_port(port_name)
            return midi_in, f"{virtual_name}:{port_name}"
        ports = midi_in.get_ports()
        index = choose_port(ports, port)
        midi_in.open_port(index, port_name)
        return midi_in, str(ports[index])
    except rtmidi.RtMidiError as exc:
        midi_in.delete()
        raise MidiPortError(_explain(api, exc)) from exc
    except MidiPortError:
        midi_in.delete()
        raise


class MidiClockInput(FollowedTransport):
    """A `ClockSource` that follows MIDI clock from a real port.

    Args:
        api: "auto", "alsa", "jack", "coremidi" or "winmm".
        port: open the existing output port whose name contains this (`--midi-in`); None to
            create a virtual input instead.
        virtual_name: client name of the virtual input that DAWs see (`--midi-virtual`).
        now: time function; must be the clock the rest of the daemon uses.
        config: MidiClock tuning.
    """

    name = "midi"

    def __init__(
        self,
        *,
        api: str = "auto",
        port: str | None = None,
        virtual_name: str = "livegen",
        now: Now = time.monotonic,
        config: MidiClockConfig | None = None,
    ) -> None:
        self.clock = MidiClock(now, config)
        self._parked = False  # see `park`
        self._now = now
        self._stamper = DeltaStamper()
        self._queue: collections.deque[tuple[list[int], float]] = collections.deque()
        # Consumers (scheduler, OSC replies) may query from different threads; the pure clock is
        # single-threaded. The reader thread takes this lock only while parked.
        self._lock = threading.Lock()
        # Channel messages (notes, CCs) arriving on the clock's port go to these, in the reader's
        # thread with their stamp (MIDI control shares the port this way).
        self.listeners: list[Callable[[list[int], float], None]] = []
        rtmidi = _rtmidi()
        midi_in, self.port_name = open_input(api, port, virtual_name, DEFAULT_PORT_NAME)
        self.api = str(rtmidi.get_api_name(midi_in.get_current_api()))
        midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
        self._reader: MidiReader | None = MidiReader(midi_in, self._on_message, now=now)

    def _on_message(self, data_bytes: list[int], delta: float, arrival: float) -> None:
        # The reader's thread. Stamp and queue (deque.append is atomic under the GIL); the
        # consumers' queries drain the queue, or this thread does while the input is parked.
        t = self._stamper.stamp(delta, arrival)
        self._queue.append((data_bytes, t))
        if self._parked and len(self._queue) >= PARKED_BATCH:
            with self._lock:  # nobody queries a parked clock: keep it current and bounded here
                self._drain()
                self.clock.poll()
        if data_bytes and data_bytes[0] < 0xF0:
            for listener in self.listeners:
                listener(data_bytes, t)

    def _drain(self) -> None:
        while self._queue:
            data_bytes, t = self._queue.popleft()
            event = parse_message(data_bytes, t)
            if event is not None:
                self.clock.feed(event)

    # --- ClockSource ------------------------------------------------------------------------

    def state(self, t: float | None = None) -> ClockState:
        with self._lock:
            self._drain()
            return self.clock.state(t)

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        with self._lock:
            self._drain()
            return self.clock.time_of_tick(tick)

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        with self._lock:
            self._drain()
            return self.clock.poll(t)

    @property
    def closed(self) -> bool:
        return self._reader is None

    def park(self) -> None:
        """The daemon switched to another clock (livegen/live/desk/clocks.py): keep the port open,
        connected and heard by `listeners`, and keep following tempo, transport and song
        position, so that a switch back is in phase at once."""
        self._parked = True

    def unpark(self) -> None:
        """The daemon follows this clock again; what it did meanwhile is not replayed."""
        with self._lock:
            self._drain()
            self.clock.poll()
            self._parked = False

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self._drain()

    def __enter__(self) -> MidiClockInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
