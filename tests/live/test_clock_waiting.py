"""Issue #17 item 4, on virtual time: `/livegen/clock midi` while no DAW sends clock keeps the
music playing on the last tempo and phase (free-running), says so, and locks to the DAW's clock
when it starts; a switch back to internal meanwhile does not restart at bar 0. (Before: the
daemon fell silent at once, 4.5-6.3 s gaps, no reply, status `playing 1 bpm 0.0`.)"""

from __future__ import annotations

from livegen.clock.events import Start, Tick
from livegen.clock.midi_clock import MidiClock
from livegen.clock.shared import SharedClock
from livegen.clock.sources import FollowedTransport, InternalClock
from livegen.control.osc import encode
from livegen.control.state import Session
from livegen.live.desk.control import Controller
from livegen.live.pipeline.concepts import ConceptWorker
from tests.support.fakes import FakeOsc

ME = ("127.0.0.1", 5555)


class VirtualMidiInput(FollowedTransport):
    """A MIDI clock input on virtual time: the real `MidiClock`, fed by the test."""

    name = "midi"

    def __init__(self, now) -> None:
        self.clock = MidiClock(now)
        self.parked = False

    def state(self, t=None):
        return self.clock.state(t)

    def time_of_tick(self, tick):
        return self.clock.time_of_tick(tick)

    def poll(self, t=None):
        return self.clock.poll(t)

    def close(self) -> None:
        pass


class VirtualClocks:
    """`server.clocks.Clocks` on virtual time: one MIDI input, parked when not followed."""

    def __init__(self, now) -> None:
        self.now = now
        self.parked: VirtualMidiInput | None = VirtualMidiInput(now)

    def __call__(self, name):
        if name == "internal":
            return InternalClock("126", self.now, playing=False)
        midi, self.parked = self.parked, None
        return midi

    def retire(self, source) -> None:
        if isinstance(source, VirtualMidiInput):
            self.parked = source


def make(t):
    clock = InternalClock("126", lambda: t[0], playing=False)
    clock.start(100.0)
    osc = FakeOsc()
    clocks = VirtualClocks(lambda: t[0])
    controller = Controller(Session(clock="internal", bpm=126.0), SharedClock(clock),
                            ConceptWorker(None), osc, make_clock=clocks,  # type: ignore[arg-type]
                            now=lambda: t[0])  # fmt: skip
    controller.subscribers.add(ME)
    return controller, osc, clocks


def send(controller, t, address, *args):
    controller.handle(encode(address, args), ME, t[0], 1e9)


def status(controller) -> dict:
    args = controller.status()
    return dict(zip(args[::2], args[1::2], strict=True))


def test_a_silent_midi_clock_free_runs_then_locks_when_the_daw_starts():
    t = [100.0]
    controller, osc, clocks = make(t)
    t[0] = 110.0
    controller.step()  # the internal clock's own start event
    before = controller.clock.state(t[0])
    send(controller, t, "/livegen/clock", "midi")
    assert controller.clock.name == "internal"  # still playing: no silence
    assert controller.clock.state(t[0]).song_tick == before.song_tick
    assert status(controller)["clock"] == "midi (waiting)"
    notices = [a for addr, a, _ in osc.sent if addr == "/livegen/notice"]
    assert notices and "waiting" in notices[-1][0] and "126.00 BPM" in notices[-1][0]
    assert not [a for addr, a, _ in osc.sent if addr == "/livegen/error"]
    epoch = controller.transport_epoch
    for _ in range(50):  # four seconds with no DAW: the music goes on, in phase
        t[0] += 0.08
        controller.step()
    assert controller.clock.name == "internal" and controller.transport_epoch == epoch
    assert controller.clock.state(t[0]).playing
    # the DAW starts: Start, then ticks at 120 BPM (24 per quarter)
    midi = clocks.parked
    assert midi is not None
    midi.clock.feed(Start(t[0]))
    for k in range(96 * 2):
        midi.clock.feed(Tick(t[0] + k * 60 / (120 * 24)))
    t[0] += 96 * 2 * 60 / (120 * 24)
    controller.step()
    assert controller.clock.name == "midi" and status(controller)["clock"] == "midi"
    assert "locked" in [a for addr, a, _ in osc.sent if addr == "/livegen/notice"][-1][0]


def test_back_to_internal_while_waiting_does_not_restart_at_bar_0():
    t = [100.0]
    controller, _, _ = make(t)
    t[0] = 112.0
    bar = controller.clock.state(t[0]).bar
    assert bar >= 5
    send(controller, t, "/livegen/clock", "midi")
    t[0] += 1.0
    send(controller, t, "/livegen/clock", "internal")
    state = controller.clock.state(t[0])
    assert state.playing and state.bar >= bar and status(controller)["clock"] == "internal"
