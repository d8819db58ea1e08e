"""Issue #15: `/livegen/status` and OSCQuery report the clock's own state, on virtual time, through
the real `Daemon` wiring (its `live()` and the controller's status), under MIDI, Link and the
internal clock. Before, the session's copy was shown: `playing 1` while following a stopped DAW,
`bpm 0.0` after switching to a silent MIDI clock, a Link peer's tempo never reached OSCQuery.
Also: a prompt's embedding wakes the control thread (it used to wait for its next poll)."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import numpy as np
import pytest

from livegen.clock.events import Start, Stop, Tick
from livegen.clock.link import LinkClock
from livegen.clock.midi_clock import MidiClock
from livegen.clock.sources import InternalClock
from livegen.control.osc import encode
from livegen.control.state import Session
from livegen.live import serve
from livegen.live.daemon import Daemon
from livegen.live.pipeline.concepts import ConceptRequest
from tests.support.fakes import FakeLink
from tests.support.virtual import VirtualTime

ME = ("127.0.0.1", 5555)
TICK_120 = 60 / (120 * 24)  # s between MIDI clock ticks at 120 BPM


def daemon_on(clock, vt, make_clock=None) -> Daemon:
    """The real Daemon (no stream, no sockets) on virtual time, following `clock`."""
    return Daemon(object(), clock, Session(), 48_000, make_clock=make_clock, now=vt)  # type: ignore[arg-type]


def status(daemon: Daemon) -> dict:
    args = daemon.controller.status()
    return dict(zip(args[::2], args[1::2], strict=True))


def send(daemon: Daemon, vt: VirtualTime, address: str, *args) -> None:
    daemon.controller.handle(encode(address, args), ME, vt.t, 0.0)


def oscquery_value(daemon: Daemon, path: str) -> list:
    """`GET path?VALUE` through the OSCQuery server `livegen serve` opens (not started)."""
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    args = parser.parse_args(["--source", "loops", "--oscquery-port", "0"])
    daemon.osc = SimpleNamespace(address=("127.0.0.1", 9000), allow=None)  # type: ignore[assignment]
    server, error = serve.open_oscquery(args, daemon)
    assert server is not None, error
    try:
        response = server.handle(f"{path}?VALUE", "127.0.0.1")
    finally:
        server.close()
    assert response.status == 200
    return response.body["VALUE"]  # type: ignore[index]


def feed_ticks(midi: MidiClock, t0: float, count: int) -> float:
    for k in range(count):
        midi.feed(Tick(t0 + k * TICK_120))
    return t0 + count * TICK_120


def test_status_under_a_stopped_daw_says_stopped_at_the_daws_tempo():
    vt = VirtualTime(100.0)
    midi = MidiClock(vt)
    daemon = daemon_on(midi, vt)
    midi.feed(Start(vt.t))
    vt.t = feed_ticks(midi, vt.t, 96 * 2)  # two bars at 120 BPM
    playing = status(daemon)
    assert playing["playing"] == 1 and playing["clock"] == "midi"
    assert playing["bpm"] == pytest.approx(120.0, abs=0.01) and playing["bpm_known"] == 1
    midi.feed(Stop(vt.t))  # the DAW stops; it keeps clocking (most do)
    vt.t = feed_ticks(midi, vt.t, 48)
    stopped = status(daemon)
    assert stopped["playing"] == 0  # was 1: the session's copy
    assert stopped["bpm"] == pytest.approx(120.0, abs=0.01)
    assert daemon.live()["playing"] is False


def test_a_silent_midi_clock_after_a_switch_reports_the_last_known_tempo():
    vt = VirtualTime(100.0)
    internal = InternalClock("126", vt, playing=False)  # stopped: the switch does not wait
    midi = MidiClock(vt)  # no DAW sends clock
    daemon = daemon_on(internal, vt, make_clock=lambda name: midi)
    assert status(daemon)["bpm"] == 126.0
    send(daemon, vt, "/livegen/clock", "midi")
    vt.advance(2.0)
    after = status(daemon)
    assert after["clock"] == "midi" and daemon.clock.state().bpm is None
    # was 0.0: now the last tempo a clock knew, marked as not known now
    assert after["bpm"] == 126.0 and after["bpm_known"] == 0 and after["playing"] == 0
    assert daemon.live()["bpm"] == 126.0


def test_link_status_and_oscquery_follow_a_peers_tempo():
    vt = VirtualTime(100.0)
    fake = FakeLink(vt, 120.0)
    daemon = daemon_on(LinkClock(120.0, now=vt, link=fake), vt)
    assert status(daemon)["bpm"] == 120.0 and oscquery_value(daemon, "/livegen/bpm") == [120.0]
    vt.advance(1.0)
    fake.tempo = 121.0  # a peer changes the session's tempo
    vt.advance(0.01)
    assert status(daemon)["bpm"] == 121.0 and status(daemon)["playing"] == 1
    assert oscquery_value(daemon, "/livegen/bpm") == [121.0]  # was 120.0: the session's
    assert oscquery_value(daemon, "/livegen/clock") == ["link"]
    send(daemon, vt, "/livegen/bpm", 127.5)  # ours reaches the session, and is reported
    assert fake.tempo == 127.5 and oscquery_value(daemon, "/livegen/bpm") == [127.5]


def test_internal_clock_status_follows_play_stop_and_tempo():
    vt = VirtualTime(100.0)
    daemon = daemon_on(InternalClock("124", vt), vt)
    assert (status(daemon)["playing"], status(daemon)["bpm"]) == (1, 124.0)
    send(daemon, vt, "/livegen/stop")
    vt.advance(0.5)
    assert status(daemon)["playing"] == 0
    send(daemon, vt, "/livegen/bpm", 131.0)
    assert status(daemon)["bpm"] == 131.0 and oscquery_value(daemon, "/livegen/bpm") == [131.0]
    send(daemon, vt, "/livegen/play")
    vt.advance(0.5)  # past the start lead (0.3 s)
    assert status(daemon)["playing"] == 1 and daemon.clock.state().song_tick > 0


class InstantConditioner:
    dim = 4

    def embed_prompts(self, prompts):
        from livegen.runtime.concept.base import Conditioning

        return Conditioning(np.ones(4, np.float32) / 2, unknown_words=())


def test_a_concept_result_wakes_the_control_thread():
    vt = VirtualTime(100.0)
    daemon = Daemon(object(), InternalClock("124", vt), Session(), 48_000,  # type: ignore[arg-type]
                    conditioner=InstantConditioner(), now=vt)  # fmt: skip
    worker = daemon.concepts
    assert worker.notify is daemon.control_wake  # the event the control loop waits on
    worker.start()
    try:
        assert not daemon.control_wake.is_set()
        worker.submit(ConceptRequest(1, (("acid", 1.0),), None))
        assert daemon.control_wake.wait(5.0)  # set once the result is ready…
        results = worker.collect()
        assert [r.request.ticket for r in results] == [1]  # …and the result is there to take
    finally:
        worker.stop()
