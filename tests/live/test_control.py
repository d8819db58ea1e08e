"""The control thread's logic on virtual time (bytes in, replies out), then the real UDP shell.

Faults: random and malformed datagrams, wrong types, huge strings, a flood; none of them may
change the session or stop the loop, and each is answered with `/livegen/error s s`.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import pytest
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from livegen.clock.shared import SharedClock
from livegen.clock.sources import FollowedTransport, InternalClock
from livegen.control import commands as cmd
from livegen.control.osc import Incoming, encode
from livegen.control.state import MAX_WORDS, Refused, Session
from livegen.live.desk.control import Controller
from livegen.live.desk.oscserver import OscServer, Packet, parse_host_port
from livegen.live.pipeline.concepts import ConceptWorker
from tests.support.fakes import FakeOsc

ME = ("127.0.0.1", 5555)


class FakeConditioner:
    dim = 4

    def embed_prompts(self, prompts):
        from livegen.runtime.concept.base import Conditioning

        vector = np.zeros(4, np.float32)
        vector[len(prompts[0].text) % 4] = 1.0
        return Conditioning(vector, unknown_words=("zzz",) if "zzz" in prompts[0].text else ())


@pytest.fixture
def rig():
    t = [100.0]
    clock = InternalClock("126", lambda: t[0], playing=False)
    clock.start(100.0)
    osc = FakeOsc()
    gains: list[float] = []
    concepts = ConceptWorker(None)
    controller = Controller(
        Session(clock="internal", bpm=126.0),
        SharedClock(clock),
        concepts,
        osc,  # type: ignore[arg-type]
        set_gain=gains.append,
        live=lambda: {"bpm": 126.0, "bar": 3, "beat": 2, "gen_ms": 12.0, "budget_ms": 80.0},
        now=lambda: t[0],
    )
    return controller, osc, t, gains


def message(address: str, *args) -> bytes:
    return encode(address, args)


def test_status_replies_with_the_contract_keys(rig):
    controller, osc, t, _ = rig
    controller.handle(message("/livegen/status"), ME, t[0], time.time())
    address, args, to = osc.sent[-1]
    assert address == "/livegen/status" and to == ME
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    for (
        key
    ) in "bpm bar beat playing clock prompt steps guidance seed gen_ms late_bars underruns".split():
        assert key in pairs
    assert pairs["bpm"] == pytest.approx(126.0) and pairs["budget_ms"] == pytest.approx(80.0)


def test_status_before_the_first_bar_is_answered(rig):
    controller, osc, t, _ = rig
    controller._live = lambda: {"bpm": 0.0, "bar": 0, "beat": 0, "gen_ms": None}  # no bar yet
    controller.handle(message("/livegen/status"), ME, t[0], time.time())
    address, args, _ = osc.sent[-1]
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    assert address == "/livegen/status" and pairs["gen_ms"] == 0.0


def test_a_message_whose_handling_fails_is_answered_and_the_batch_goes_on(rig):
    controller, osc, t, _ = rig
    controller._live = lambda: 1 / 0  # a bug behind /livegen/status
    other = ("127.0.0.1", 6666)
    osc.queue = [Packet(message("/livegen/status"), ME, t[0], time.time()),
                 Packet(message("/livegen/steps", 12), other, t[0], time.time())]  # fmt: skip
    controller.step()
    assert controller.session.steps == 12 and controller.failures == 1
    address, args, to = osc.sent[-1]
    assert (address, to) == ("/livegen/error", ME) and "ZeroDivisionError" in args[1]


def test_garbage_is_answered_and_changes_nothing(rig):
    controller, osc, t, _ = rig
    before = controller.session
    rng = np.random.default_rng(0)
    bad = [
        b"",
        b"\x00" * 7,
        b"#bundle\x00garbage",
        message("/livegen/steps", "eight"),
        message("/livegen/steps", 8.5),
        message("/livegen/guidance", float("nan")),
        message("/livegen/prompt", "x" * 5000),
        message("/livegen/prompt"),
        message("/livegen/nope", 1),
        message("/livegen/gain", 1, 2, 3),
    ] + [rng.bytes(int(rng.integers(1, 300))) for _ in range(300)]
    for data in bad:
        controller.handle(data, ME, t[0], time.time())
    assert controller.session == before and controller.settings.version == 0
    errors = [s for s in osc.sent if s[0] == "/livegen/error"]
    assert len(errors) >= len(bad) - 5  # some random bytes happen to parse as empty bundles
    assert all(isinstance(a, str) for _, args, _ in errors for a in args)


def test_settings_change_publishes_a_new_version(rig):
    controller, _, t, gains = rig
    controller.handle(message("/livegen/steps", 12), ME, t[0], time.time())
    controller.handle(message("/livegen/gain", 0.5), ME, t[0], time.time())
    controller.handle(message("/livegen/prompt", "acid", 0.7, "dub", 0.3), ME, t[0], time.time())
    s = controller.settings
    assert s.steps == 12 and [(p, round(w, 3)) for p, w in s.prompts] == [
        ("acid", 0.7),
        ("dub", 0.3),
    ]
    assert s.version == 2 and gains == [0.5]  # gain is not a generation setting


def test_words_are_capped_and_a_full_list_still_takes_new_meanings(rig):
    controller, osc, t, _ = rig
    for i in range(MAX_WORDS):
        controller.handle(message("/livegen/word", f"w{i}", "kick"), ME, t[0], time.time())
    assert len(controller.session.words) == MAX_WORDS
    controller.handle(message("/livegen/word", "one-more", "clap"), ME, t[0], time.time())
    address, args, _ = osc.sent[-1]
    assert address == "/livegen/error" and args[0] == "/livegen/word" and "64 words" in args[1]
    assert "one-more" not in dict(controller.session.words)
    # a word already defined can change its meaning, and a forgotten one frees a place
    controller.handle(message("/livegen/word", "w0", "clap"), ME, t[0], time.time())
    controller.handle(message("/livegen/word", "w1"), ME, t[0], time.time())
    controller.handle(message("/livegen/word", "one-more", "clap"), ME, t[0], time.time())
    words = dict(controller.session.words)
    assert words["w0"] == "clap" and "w1" not in words and words["one-more"] == "clap"


def test_a_refusal_is_returned_by_apply_and_sent_once(rig):
    """The rule lives in `control.state.apply` (or the clock): the handler returns its refusal
    and sends exactly that, once; the session is left as it was."""
    controller, osc, _, _ = rig
    before = controller.session
    item = Incoming(cmd.RecallScene(9), ME)
    refused = controller.handler.apply(item)
    assert refused == Refused("/livegen/scene", "no scene 9: the config has 0 (0-based)")
    assert osc.sent == [("/livegen/error", ("/livegen/scene", refused.reason), ME)]
    assert controller.session == before
    assert controller.handler.apply(Incoming(cmd.SetSteps(5), ME)) is None
    assert controller.session.steps == 5 and len(osc.sent) == 1


def test_a_bundle_with_a_future_time_tag_waits_without_blocking(rig):
    controller, _, t, _ = rig
    wall = time.time()
    bundle = OscBundleBuilder(wall + 0.5)
    msg = OscMessageBuilder("/livegen/seed")
    msg.add_arg(42)
    bundle.add_content(msg.build())
    controller.handle(bundle.build().dgram, ME, t[0], wall)
    assert controller.session.seed == 0
    t[0] += 0.49
    assert controller.step() <= t[0] + 0.011
    assert controller.session.seed == 0
    t[0] += 0.02
    controller.step()
    assert controller.session.seed == 42


def test_subscribers_get_every_beat_and_every_downbeat(rig):
    controller, osc, t, _ = rig
    controller.handle(message("/livegen/subscribe", 1), ME, t[0], time.time())
    beat = 60.0 / 126.0
    for _ in range(9):
        wake = controller.step()
        assert wake <= t[0] + beat + 0.001  # it wakes for the next beat
        t[0] += beat
    controller.step()
    beats = [args for address, args, _ in osc.sent if address == "/livegen/beat"]
    bars = [args for address, args, _ in osc.sent if address == "/livegen/bar"]
    assert beats[:6] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1)]
    assert bars[:2] == [(0,), (1,)]
    controller.handle(message("/livegen/subscribe", 0), ME, t[0], time.time())
    assert not controller.subscribers


def test_transport_commands_follow_the_clock_source(rig):
    controller, osc, t, _ = rig
    epoch = controller.transport_epoch
    controller.handle(message("/livegen/stop"), ME, t[0], time.time())
    assert not controller.clock.state(t[0]).playing and controller.transport_epoch > epoch
    controller.handle(message("/livegen/bpm", 130.0), ME, t[0], time.time())
    controller.handle(message("/livegen/play"), ME, t[0], time.time())
    state = controller.clock.state(t[0] + 1.0)
    assert state.playing and state.bpm == pytest.approx(130.0)
    # a MIDI-following clock refuses play/stop, politely
    midi = type("Midi", (FollowedTransport,), {"name": "midi", "close": lambda self: None})
    controller.clock.switch(midi())
    controller.handle(message("/livegen/stop"), ME, t[0], time.time())
    assert osc.sent[-1][0] == "/livegen/error" and "MIDI" in osc.sent[-1][1][1]


def test_prompts_are_embedded_off_thread_and_bad_audio_prompts_refused(rig, tmp_path):
    controller, osc, t, _ = rig
    controller.concepts = ConceptWorker(FakeConditioner())
    controller.concepts.start()
    try:
        controller.handle(message("/livegen/prompt", "acid zzz"), ME, t[0], time.time())
        deadline = time.monotonic() + 5.0
        while controller.settings.version == 0 and time.monotonic() < deadline:
            controller.step()
            time.sleep(0.005)
        assert controller.settings.concept is not None and controller.unknown_words == ("zzz",)
        assert osc.sent[-1] == ("/livegen/unknown", ("zzz",), ME)  # told, not silently ignored
        assert "zzz" in controller.notice
        version = controller.settings.version
        missing = str(tmp_path / "nope.wav")
        controller.handle(message("/livegen/audio_prompt", missing), ME, t[0], time.time())
        while osc.sent[-1][0] != "/livegen/error" and time.monotonic() < deadline:
            controller.step()
            time.sleep(0.005)
        assert osc.sent[-1][0] == "/livegen/error" and "no such audio file" in osc.sent[-1][1][1]
        assert controller.session.audio_prompt is None and controller.settings.version == version
    finally:
        controller.concepts.stop()


def test_the_udp_shell_answers_refuses_and_survives_a_flood():
    server = OscServer("127.0.0.1", 0, capacity=64)
    controller = Controller(Session(), SharedClock(InternalClock("124", time.monotonic)),
                            ConceptWorker(None), server)  # fmt: skip
    server.start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(2.0)
    try:
        host, port = server.address
        # the peer sends from the port it listens on (as Max and Pd do)
        listener.sendto(message("/livegen/status"), (host, port))
        server.wake.wait(2.0)
        controller.step()
        reply = OscMessage(listener.recvfrom(65536)[0])
        assert reply.address == "/livegen/status"
        client = SimpleUDPClient(host, port)
        for i in range(5000):  # a flood: far more than the queue holds
            client.send_message("/livegen/seed", i)
        time.sleep(0.2)
        assert server.dropped > 0 and len(server.queue) <= 64
        listener.sendto(message("/livegen/status"), (host, port))
        listener.settimeout(0.01)
        replies: list[str] = []
        deadline = time.monotonic() + 5.0
        while "/livegen/status" not in replies and time.monotonic() < deadline:
            controller.step()  # as the control thread does, over and over
            try:
                replies.append(OscMessage(listener.recvfrom(65536)[0]).address)
            except TimeoutError:
                pass
        assert "/livegen/status" in replies
    finally:
        listener.close()
        server.close()


MODEL = Path(__file__).resolve().parents[2] / "models" / "default"


@pytest.mark.skipif(not (MODEL / "manifest.json").is_file(), reason="no shipped model package")
def test_words_the_shipped_encoder_cannot_place_are_sent_back_over_udp():
    """The real concept encoder behind the real UDP shell: each embedded prompt is answered with
    `/livegen/unknown` and the words it cannot place (none when it knows them all); a word the
    performer defines with `/livegen/word` is read as its meaning from then on."""
    from livegen.runtime.concept import load_conditioner

    server = OscServer("127.0.0.1", 0)
    cond = load_conditioner("livegen-clap", model_dir=MODEL)
    worker = ConceptWorker(cond)
    controller = Controller(Session(), SharedClock(InternalClock("124", time.monotonic)),
                            worker, server)  # fmt: skip
    server.start()
    worker.start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(0.01)

    def ask(address: str, *args) -> tuple:
        listener.sendto(message(address, *args), server.address)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            controller.step()
            try:
                reply = OscMessage(listener.recvfrom(65536)[0])
            except TimeoutError:
                continue
            assert reply.address == "/livegen/unknown", (reply.address, reply.params)
            return tuple(reply.params)
        raise AssertionError(f"no reply to {address}")

    groove = "rolling bass with a sidestick groove, no kick"
    try:
        assert ask("/livegen/prompt", groove) == ("sidestick",)
        unplaced = controller.settings.concept
        assert ask("/livegen/prompt", "acid line, no kick") == ()
        assert controller.settings.prompts == (("acid line, no kick", 1.0),)
        # the performer says what the word means (Pd sends it as separate atoms)
        assert ask("/livegen/prompt", groove) == ("sidestick",)
        assert ask("/livegen/word", "sidestick", "rim", "clicks") == ()
        assert controller.session.words == (("sidestick", "rim clicks"),)
        meant = cond.embed_text("rolling bass with a rim clicks groove, no kick").vector
        defined = controller.settings.concept
        assert defined is not None and unplaced is not None
        assert float(defined @ meant) > 0.9999  # exactly the meaning, embedded
        assert float(defined @ unplaced) < 0.99  # and not what it was
        assert controller.settings.prompts == ((groove, 1.0),)  # the prompt itself is kept
        # forgetting the word brings the warning back
        assert ask("/livegen/word", "sidestick") == ("sidestick",)
        assert float(controller.settings.concept @ unplaced) > 0.9999
    finally:
        listener.close()
        worker.stop()
        server.close()


def test_only_allowed_senders_are_heard():
    server = OscServer("127.0.0.1", 0, allow={"127.0.0.2"})
    server.start()
    try:
        SimpleUDPClient(*server.address).send_message("/livegen/status", [])
        time.sleep(0.2)
        assert server.refused == 1 and not server.queue
    finally:
        server.close()
    with pytest.raises(ValueError):
        parse_host_port("nohost")
    assert parse_host_port("127.0.0.1:9001") == ("127.0.0.1", 9001)


def test_the_status_line_says_where_what_and_what_went_wrong():
    import io

    from livegen.live.desk.status import StatusLine, format_status

    live = {"bpm": 127.996, "clock": "midi", "playing": True, "bar_beat": "12.3",
            "prompt": "dark hypnotic techno with rolling bass and clicky rims", "steps": 8,
            "guidance": 3.0, "gen_ms": 212.0, "budget_ms": 420.0, "bar_ms": 1875.0,
            "late_bars": 2, "underruns": 1, "notice": "clock lost"}  # fmt: skip
    line = format_status(live)
    for part in ("12.3", "128.00 BPM midi", "dark hypnotic techno with rolli…", "8 steps g3.0",
                 "gen  212 ms / budget 420 of 1875", "late 2", "xruns 1", "clock lost"):  # fmt: skip
        assert part in line
    assert "stopped" in format_status({**live, "playing": False})
    assert "free-running" in format_status({**live, "free_running": True})
    assert "BPM link (2 peers)" in format_status({**live, "clock": "link", "peers": 2})
    assert "| scene 3: dark hypnotic" in format_status({**live, "scene": 3})
    quiet = io.StringIO()  # not a terminal: nothing is written
    StatusLine(quiet).show(live)
    assert quiet.getvalue() == ""
