"""Stems and key on the real daemon (virtual time, tests/live/conftest.py `VirtualRig`): per-stem
gain and mute at the next downbeat or within one block, the drop gesture, the mix as the sum of
the stem channels, the key reaching the next bar's request, and refusals that leave the music
playing.

The source renders constant stems (drums 1×, bass 2×, music 3× the bar's code), so every output
sample says which gains were applied; bars are placed by the real scheduler, and the frames where
bars start are read from the producer's history.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from livegen.control.keys import Key
from livegen.control.osc import encode
from livegen.live.audio.stems import channel_names
from tests.support.fakes import FakeOsc

STEMS = ("drums", "bass", "music")
ME = ("127.0.0.1", 9999)
RATE, BLOCK = 48_000, 256
MIX, DRUMS, BASS, MUSIC = 0, 2, 4, 6  # left channels (the right ones are copies)


@pytest.fixture
def rig(rig_factory, fast_fit):
    rig = rig_factory(channels=8, stems=STEMS, fit=fast_fit, rate=RATE, block=BLOCK)
    rig.osc = FakeOsc()
    rig.build(osc=rig.osc)
    return rig


def send(rig, address: str, *args) -> int:
    """Send one OSC message now; returns the first output frame rendered after it (the next
    callback's block)."""
    rig.controller.handle(encode(address, args), ME, rig.vt.t, time.time())
    return rig.output.frame


def out(rig) -> np.ndarray:
    return rig.output.output()


def starts(rig) -> list[int]:
    return sorted({p.plan.start for p in rig.producer.stats.history})


def next_start(rig, frame: int) -> int:
    return min(s for s in starts(rig) if s > frame)


def errors(rig) -> list[tuple]:
    return [args for address, args, _ in rig.osc.sent if address == "/livegen/error"]


def test_channels_are_the_mix_then_one_pair_per_stem(rig):
    assert channel_names(STEMS) == ("mix_L", "mix_R", "drums_L", "drums_R", "bass_L", "bass_R",
                                    "music_L", "music_R")  # fmt: skip
    rig.run_until(rig.t0 + 3.0)
    o = out(rig)[starts(rig)[0] + 200 :]
    assert np.abs(o[:, DRUMS]).min() > 0  # playing
    for left in (MIX, DRUMS, BASS, MUSIC):
        assert np.array_equal(o[:, left], o[:, left + 1])
    np.testing.assert_allclose(o[:, BASS], 2 * o[:, DRUMS], rtol=1e-6)
    np.testing.assert_allclose(o[:, MUSIC], 3 * o[:, DRUMS], rtol=1e-6)


def test_a_mute_at_the_next_downbeat_switches_exactly_at_the_bar_start(rig):
    rig.run_until(rig.t0 + 2.0)  # inside the first bar
    sent = send(rig, "/livegen/mute", "bass", 1)
    assert rig.controller.session.stem_mutes == (False, True, False)  # asked for, at once
    rig.run_until(rig.t0 + 5.5)
    o, d, fade = out(rig), next_start(rig, sent), rig.player.fade
    bass = o[:, BASS]
    level = bass[sent]
    assert level > 0 and np.allclose(bass[sent:d], level, rtol=1e-6)  # untouched until the bar
    assert bass[d] < level  # the ramp begins on the bar's first frame
    assert np.all(np.diff(bass[d : d + fade]) <= 0)
    assert np.all(bass[d + fade - 1 :] == 0.0)  # silent from the end of the 4 ms ramp on
    assert rig.daemon.mixer.landed == d
    # the other stems play on
    assert np.allclose(o[d + fade :, DRUMS], o[sent, DRUMS], rtol=1e-6)
    print(f"\nmute sent at frame {sent}, landed at the bar start {d} ({d - sent} frames later)")


def test_an_immediate_mute_lands_within_one_block(rig):
    rig.run_until(rig.t0 + 2.3)
    sent = send(rig, "/livegen/mute", "music", 1, 1)
    rig.run_until(rig.t0 + 2.6)
    music = out(rig)[:, MUSIC]
    level = music[sent - 1]
    assert level > 0
    silent = sent + int(np.argmax(music[sent:] == 0.0))  # the first muted frame
    assert silent - sent == BLOCK - 1  # the block after the message: ramped, silent at its end
    ramp = music[sent:silent]
    assert np.all(np.diff(ramp) < 0) and np.max(np.abs(np.diff(ramp))) <= 1.01 * level / BLOCK
    assert np.all(music[silent:] == 0.0)
    print(f"\nimmediate mute: silent {silent - sent + 1} frames after the next block began")


def test_a_drop_mutes_now_and_comes_back_exactly_at_the_next_downbeat(rig):
    rig.run_until(rig.t0 + 2.0)
    sent = send(rig, "/livegen/drop")
    assert rig.controller.session.stem_mutes == (False, False, False)  # back at the downbeat
    rig.run_until(rig.t0 + 5.5)
    o, fade = out(rig), rig.player.fade
    d = next_start(rig, sent + BLOCK)
    drums = o[:, DRUMS]
    level = drums[sent - 1]
    assert np.all(drums[sent + BLOCK - 1 : d] == 0.0)  # silent from the end of the first block
    assert np.all(np.diff(drums[d : d + fade]) >= 0) and drums[d] > 0
    assert np.allclose(drums[d + fade - 1 : next_start(rig, d)], level, rtol=1e-6)
    assert np.allclose(o[sent:, BASS], o[sent - 1, BASS], rtol=1e-6)  # only the drums dropped


def test_the_mix_is_the_sum_of_the_stem_channels_after_their_gains(rig):
    rig.run_until(rig.t0 + 2.0)
    send(rig, "/livegen/stem", "bass", 0.5, 1)
    send(rig, "/livegen/stem", "music", 1.75)  # at the downbeat
    send(rig, "/livegen/stem", "drums", 0.0, 1)
    rig.run_until(rig.t0 + 5.5)
    o = out(rig).astype(np.float64)
    first = starts(rig)[0]
    stems = o[first:, DRUMS] + o[first:, BASS] + o[first:, MUSIC]
    assert np.max(np.abs(o[first:, MIX] - stems)) <= 1e-6 * np.max(np.abs(o[first:, MIX]))
    assert np.array_equal(o[:, MIX], o[:, MIX + 1])
    end = o[-1]
    unit = end[MIX] / (0.5 * 2 + 1.75 * 3)  # what drums play at gain 1
    assert end[DRUMS] == 0.0
    assert end[BASS] == pytest.approx(0.5 * 2 * unit, rel=1e-6)
    assert end[MUSIC] == pytest.approx(1.75 * 3 * unit, rel=1e-6)
    session = rig.controller.session
    assert session.stem_gains == (0.0, 0.5, 1.75)
    rig.controller.handle(encode("/livegen/status", ()), ME, rig.vt.t, time.time())
    args = rig.osc.sent[-1][1]
    status = dict(zip(args[::2], args[1::2], strict=True))
    assert status["bass_gain"] == 0.5 and status["music_gain"] == 1.75
    assert status["drums_mute"] == 0 and status["key"] == "none"


def test_changes_in_one_block_keep_their_order(rig):
    rig.run_until(rig.t0 + 2.0)
    # a mute for the downbeat, overridden at once by an immediate unmute: nothing changes
    sent = send(rig, "/livegen/mute", "drums", 1)
    send(rig, "/livegen/mute", "drums", 0, 1)
    send(rig, "/livegen/stem", "bass", 0.25)  # then a gain at the downbeat...
    send(rig, "/livegen/stem", "bass", 0.5)  # ...replaced by another one
    rig.run_until(rig.t0 + 5.5)
    o = out(rig)
    d = next_start(rig, sent)
    assert np.allclose(o[sent:, DRUMS], o[sent - 1, DRUMS], rtol=1e-6)
    assert np.allclose(o[sent:d, BASS], o[sent - 1, BASS], rtol=1e-6)
    assert o[-1, BASS] == pytest.approx(0.5 * o[sent - 1, BASS], rel=1e-6)


def test_a_key_reaches_the_next_bars_request_and_is_answered(rig):
    rig.run_until(rig.t0 + 2.0)
    asked = len(rig.source.calls)
    send(rig, "/livegen/key", "F minor")
    rig.run_until(rig.t0 + 6.0)
    keys = [spec.key for spec in rig.source.calls]
    assert keys[:asked] == [None] * asked
    assert keys[asked:] and set(keys[asked:]) == {Key(5, "minor")}
    assert ("/livegen/key", ("F minor", "F minor"), ME) in rig.osc.sent
    # a MIDI note's root keeps the mode
    send(rig, "/livegen/key", "none")
    assert rig.controller.session.key is None
    rig.controller.handler.apply(rig_incoming(9))
    assert rig.controller.session.key == Key(9, "minor")  # minor when no key was set
    send(rig, "/livegen/key", "Eb major")
    rig.controller.handler.apply(rig_incoming(2))
    assert rig.controller.session.key == Key(2, "major")


def rig_incoming(root: int):
    from livegen.control import commands as cmd
    from livegen.control.osc import Incoming

    return Incoming(cmd.SetKeyRoot(root), ME)


def test_bad_stems_and_keys_are_refused_and_the_music_plays_on(rig):
    rig.run_until(rig.t0 + 2.0)
    sent = send(rig, "/livegen/stem", "cowbell", 1.0)
    send(rig, "/livegen/stem", "drums", 3.0)
    send(rig, "/livegen/mute", "bass", 2)
    send(rig, "/livegen/key", "H minor")
    send(rig, "/livegen/drop", 7)
    rig.run_until(rig.t0 + 5.0)
    reasons = errors(rig)
    assert [a for a, _ in reasons] == ["/livegen/stem", "/livegen/stem", "/livegen/mute",
                                       "/livegen/key", "/livegen/drop"]  # fmt: skip
    assert "no stem 'cowbell': the stems are drums, bass, music" in reasons[0][1]
    assert "[0, 2]" in reasons[1][1] and "not a key" in reasons[3][1]
    o = out(rig)
    assert np.allclose(o[sent:, MIX], o[sent - 1, MIX], rtol=1e-6)  # nothing changed, no gap
    assert rig.daemon.late_bars == 0 and rig.controller.session.stem_gains == (1.0, 1.0, 1.0)


def status(rig) -> dict:
    args = rig.controller.status()
    return dict(zip(args[::2], args[1::2], strict=True))


def sent_and_heard(rig, address: str, value, until: float, field: str) -> list:
    """Send `value` now and run to `until` seconds: each bar asked for after it, its `field`."""
    asked = len(rig.source.calls)
    send(rig, address, value)
    rig.run_until(rig.t0 + until)
    return [getattr(spec, field) for spec in rig.source.calls[asked:]]


def test_key_guidance_reaches_the_next_bars_request_and_default_goes_back(rig):
    from livegen.control.osc import ADDRESSES
    from livegen.live.desk.oscquery import value

    rig.source.key_guidance = 6.0  # the model's own push (a stem generator's manifest)
    rig.build(osc=rig.osc)
    assert status(rig)["key_guidance"] == 6.0
    rig.run_until(rig.t0 + 2.0)
    send(rig, "/livegen/key", "F minor")
    asked = len(rig.source.calls)
    send(rig, "/livegen/key_guidance", 8)
    assert rig.controller.session.key_guidance == 8.0 and status(rig)["key_guidance"] == 8.0
    node = ADDRESSES["/livegen/key_guidance"]
    assert value(node, rig.controller.session) == [8.0]  # OSCQuery shows it too
    rig.run_until(rig.t0 + 6.0)
    pushed = [spec.key_guidance for spec in rig.source.calls]
    assert pushed[:asked] == [None] * asked  # the model's own until it was sent
    assert pushed[asked:] and set(pushed[asked:]) == {8.0}
    assert {spec.key for spec in rig.source.calls[asked:]} == {Key(5, "minor")}
    assert rig.settings.key_guidance == 8.0
    pushed = sent_and_heard(rig, "/livegen/key_guidance", "default", 10.0, "key_guidance")
    assert pushed and set(pushed) == {None}
    assert status(rig)["key_guidance"] == 6.0 and value(node, rig.controller.session) == [6.0]
    assert errors(rig) == [] and rig.daemon.late_bars == 0


def refused_and_played_on(rig, address: str, good, bad: list, field: str) -> list[str]:
    """Send `good`, then each of `bad` (a list of argument tuples): every bad one is refused
    with a reason, the session and the bars keep `good`, and the mix plays on unchanged."""
    rig.run_until(rig.t0 + 2.0)
    send(rig, address, good)
    rig.run_until(rig.t0 + 5.0)
    version = rig.settings.version
    sent = send(rig, address, *bad[0])
    for args in bad[1:]:
        send(rig, address, *args)
    rig.run_until(rig.t0 + 9.0)
    reasons = errors(rig)
    assert [a for a, _ in reasons] == [address] * len(bad)
    assert getattr(rig.controller.session, field) == good and rig.settings.version == version
    assert {getattr(spec, field) for spec in rig.source.calls[-2:]} == {good}
    o = out(rig)
    assert np.allclose(o[sent:, MIX], o[sent - 1, MIX], rtol=1e-6) and o[-1, MIX] > 0
    assert rig.daemon.late_bars == 0
    return [reason for _, reason in reasons]


def test_bad_key_guidance_is_refused_changes_nothing_and_the_music_plays_on(rig):
    bad = [(-1.0,), (20.5,), (float("nan"),), ("loud",), ()]
    reasons = refused_and_played_on(rig, "/livegen/key_guidance", 4.0, bad, "key_guidance")
    assert "must be in [0, 20], got -1" in reasons[0]
    assert "must be in [0, 20], got 20.5" in reasons[1]
    assert "must be a number" in reasons[2]
    assert "must be a number or 'default', got 'loud'" in reasons[3]
    assert "expects f (or s 'default')" in reasons[4]


def test_key_lock_reaches_the_next_bars_request_status_and_oscquery(rig):
    from livegen.control.osc import ADDRESSES
    from livegen.live.desk.oscquery import value

    node = ADDRESSES["/livegen/key_lock"]
    assert status(rig)["key_lock"] == 1 and value(node, rig.controller.session) == [1]
    rig.run_until(rig.t0 + 2.0)
    asked = len(rig.source.calls)
    version = rig.settings.version
    send(rig, "/livegen/key_lock", 0)
    assert rig.controller.session.key_lock is False and rig.settings.version > version
    assert status(rig)["key_lock"] == 0 and value(node, rig.controller.session) == [0]
    rig.run_until(rig.t0 + 6.0)
    locked = [spec.key_lock for spec in rig.source.calls]
    assert locked[:asked] == [True] * asked  # on until it was sent
    assert locked[asked:] and set(locked[asked:]) == {False}
    assert rig.settings.key_lock is False
    locked = sent_and_heard(rig, "/livegen/key_lock", "on", 10.0, "key_lock")
    assert locked and set(locked) == {True}
    assert status(rig)["key_lock"] == 1 and value(node, rig.controller.session) == [1]
    assert errors(rig) == [] and rig.daemon.late_bars == 0


def test_bad_key_lock_is_refused_changes_nothing_and_the_music_plays_on(rig):
    bad = [(2,), (0.5,), ("maybe",), ()]
    reasons = refused_and_played_on(rig, "/livegen/key_lock", 0, bad, "key_lock")
    assert "must be in [0, 1], got 2" in reasons[0]
    assert "must be a whole number, got 0.5" in reasons[1]
    assert "must be 0, 1, 'on' or 'off', got 'maybe'" in reasons[2]
    assert "expects i (0 or 1, or s 'on'/'off')" in reasons[3]


def test_a_mix_model_refuses_stems_and_keys(rig_factory):
    rig = rig_factory()
    rig.osc = FakeOsc()
    rig.build(osc=rig.osc)
    rig.run_until(rig.t0 + 2.0)
    sent = send(rig, "/livegen/mute", "drums", 1, 1)
    send(rig, "/livegen/key", "A minor")
    send(rig, "/livegen/drop")
    send(rig, "/livegen/key_guidance", 8.0)  # as /livegen/key: the model has no key to push to
    send(rig, "/livegen/key_lock", 0)  # nor a bass to lock
    rig.run_until(rig.t0 + 3.0)
    reasons = errors(rig)
    assert [a for a, _ in reasons] == ["/livegen/mute", "/livegen/key", "/livegen/drop",
                                       "/livegen/key_guidance", "/livegen/key_lock"]  # fmt: skip
    assert "no stems (start livegen serve with --stems)" in reasons[0][1]
    assert reasons[1][1] == "the model has no key input (start livegen serve with --stems)"
    assert reasons[3][1] == reasons[1][1] and rig.controller.session.key_guidance is None
    assert reasons[4][1] == reasons[1][1] and rig.controller.session.key_lock is True
    assert {spec.key_lock for spec in rig.source.calls} == {True}
    audio = rig.audio()
    assert np.allclose(audio[sent:], audio[sent - 1], rtol=1e-6) and audio[sent] > 0


def test_a_mix_models_session_keeps_the_key_lock_on_whatever_the_config(rig_factory):
    """A config's key_lock = false (one file serves both) means nothing to a mix model: the
    session it reports and the bars it asks for keep the default."""
    from livegen.control.state import Session

    rig = rig_factory()
    rig.osc = FakeOsc()
    rig.build(Session(key_lock=False, key_guidance=3.0), osc=rig.osc)
    assert rig.controller.session.key_lock is True and status(rig)["key_lock"] == 1
    rig.run_until(rig.t0 + 3.0)
    assert rig.source.calls and {spec.key_lock for spec in rig.source.calls} == {True}


def test_a_generator_source_passes_the_key_lock_to_a_keyed_model_only():
    from types import SimpleNamespace

    from livegen.live.pipeline.source import BarSpec, GeneratorSource

    class Generator:
        sample_rate, stems = 24_000, STEMS

        def __init__(self, key_dim: int) -> None:
            self.spec = SimpleNamespace(key_dim=key_dim)
            self.requests: list = []

        def bar(self, request, prev_noise):
            self.requests.append(request)
            return SimpleNamespace(audio=np.zeros(8), gen_ms=1.0, noise=None, stems=None)

    for key_dim, expected in ((12, False), (0, True)):  # a mix model: BarRequest's default
        gen = Generator(key_dim)
        GeneratorSource(gen).render(BarSpec(0, 124.0, key_lock=False), None)
        (request,) = gen.requests
        assert request.key_lock is expected, key_dim
