"""Scenes, prompt morphs and MIDI control through the control thread, on virtual time.

The daemon's own controller drives its scheduler and producer (conftest.VirtualRig): a scene recalled
in the middle of a bar is in the bar of the next downbeat, a morph moves k/N per generated bar,
a scene's gain changes on its downbeat, and MIDI messages become the same commands as OSC.
"""

from __future__ import annotations

import argparse
import time

import pytest

from livegen.clock.sources import InternalClock
from livegen.control.config import Config, ConfigError
from livegen.control.midimap import CcMap, Learner, MidiMap, NoteMap
from livegen.control.osc import encode
from livegen.control.state import Scene, Session
from livegen.live.desk.midicontrol import MidiControl, add_arguments, load_config
from livegen.live.pipeline.concepts import ConceptWorker
from tests.support.fakes import FakeOsc

ME = ("127.0.0.1", 5555)
SCENES = (
    Scene("intro", prompts=(("minimal techno", 1.0),)),
    Scene("dub", prompts=(("dub chords", 1.0),), steps=12, seed=5, gain=0.5),
    Scene("slow", prompts=(("acid bassline", 1.0),), morph=4),
)


class FakePort:
    """A MIDI port: messages the test pushes, drained by the control thread."""

    def __init__(self) -> None:
        self.queue: list[list[int]] = []

    def drain(self, limit: int) -> list[list[int]]:
        out, self.queue = self.queue[:limit], self.queue[limit:]
        return out

    def close(self) -> None:
        pass


def controlled(rig, midi: MidiControl | None = None, **session):
    """The rig's daemon rebuilt with this session, an OSC shell and MIDI control: its own
    controller drives its scheduler and producer. Gains are recorded as the callback gets them."""
    osc = FakeOsc()
    daemon = rig.build(
        Session(**{"prompts": (("a", 1.0),), "scenes": SCENES, **session}), osc, midi
    )
    gains: list[tuple[float, float]] = []
    to_callback = daemon.controller.handler._set_gain

    def recorded(gain: float) -> None:
        gains.append((rig.vt.t, gain))
        to_callback(gain)

    daemon.controller.handler._set_gain = recorded
    return daemon.controller, osc, gains


def send(controller, address: str, *args) -> None:
    controller.handle(encode(address, args), ME, controller._now(), time.time())


def downbeat(rig, bar: int) -> float:
    return float(rig.clock.time_of_tick(bar * 96))


def specs_by_bar(rig) -> dict:
    return {spec.bar: spec for spec in rig.source.calls}


def test_a_scene_recalled_mid_bar_is_heard_from_the_next_downbeat(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    controller, osc, gains = controlled(rig)
    rig.run_until(downbeat(rig, 3) + 0.5 * rig.bar_seconds())
    send(controller, "/livegen/scene", 1)
    assert controller.notice == "scene 1 'dub' from bar 4"
    rig.run_until(downbeat(rig, 7))
    specs = specs_by_bar(rig)
    assert (specs[3].steps, specs[3].seed, specs[3].prompts) == (8, 0, (("a", 1.0),))
    for bar in (4, 5, 6):
        assert (specs[bar].steps, specs[bar].seed) == (12, 5)
        assert specs[bar].prompts == (("dub chords", 1.0),)
    placed = {p.plan.bar: p.version for p in rig.producer.stats.history}
    assert placed[4] == placed[5] != placed[3]
    # its gain changes on that downbeat, as the clock reports it, not when it arrived
    ((t, gain),) = gains
    assert gain == 0.5 and downbeat(rig, 4) <= t <= downbeat(rig, 4) + 0.06
    assert not [s for s in osc.sent if s[0] == "/livegen/error"]


def test_a_morph_moves_k_over_n_per_generated_bar(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    controller, _, _ = controlled(rig, prompts=(("minimal techno", 1.0),))
    rig.run_until(downbeat(rig, 2) + 0.4 * rig.bar_seconds())
    send(controller, "/livegen/morph", "acid bassline", 1.0, 4)
    version = controller.settings.version
    rig.run_until(downbeat(rig, 9))
    specs = specs_by_bar(rig)
    assert specs[2].prompts == (("minimal techno", 1.0),)
    for k, bar in enumerate((3, 4, 5), start=1):
        assert specs[bar].prompts == (("minimal techno", 1 - k / 4), ("acid bassline", k / 4))
    for bar in (6, 7, 8):
        assert specs[bar].prompts == (("acid bassline", 1.0),)
    # one new settings version for the whole morph: it advances per bar, with no redo
    assert controller.settings.version == version and rig.scheduler.redone == 0


def test_a_scene_that_morphs_and_unknown_scenes(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    controller, osc, _ = controlled(rig)
    rig.run_until(downbeat(rig, 1) + 0.3 * rig.bar_seconds())
    before = controller.session
    send(controller, "/livegen/scene", 9)
    address, args, to = osc.sent[-1]
    assert address == "/livegen/error" and args == ("/livegen/scene", "no scene 9: the config "
                                                    "has 3 (0-based)") and to == ME  # fmt: skip
    assert controller.session == before
    send(controller, "/livegen/scene", 2)
    rig.run_until(downbeat(rig, 7))
    specs = specs_by_bar(rig)
    assert [dict(specs[b].prompts).get("acid bassline", 0.0) for b in range(1, 7)] == [
        0.0, 0.25, 0.5, 0.75, 1.0, 1.0]  # fmt: skip


def test_a_transport_change_moves_or_finishes_a_morph(vtime_rig):
    rig, clock = vtime_rig
    controller, _, _ = controlled(rig)
    controller.step()
    clock.stop(rig.vt.t)
    controller.step()
    send(controller, "/livegen/morph", "acid", 1.0, 8)  # stopped at bar 0: it waits for play
    assert controller.session.morph is not None and controller.session.morph.start == 0
    clock.locate(16 * 96)
    clock.resume(rig.vt.t + 0.1)
    controller.step()
    assert controller.session.morph.start == 16  # it begins where the song resumes
    assert controller.settings.morph is not None and controller.settings.morph.start == 16
    rig.vt.t = float(clock.time_of_tick(17 * 96)) + 0.01
    controller.step()  # bar 17: the morph has begun
    clock.locate(0, rig.vt.t)  # a DAW loop jumps back: the morph must not replay forever
    controller.step()
    assert controller.session.morph is None and controller.settings.morph is None
    assert controller.settings.at_bar(3)[0] == (("acid", 1.0),)


@pytest.fixture
def vtime_rig(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    return rig, rig.clock


def test_midi_control_messages_become_commands(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    port = FakePort()
    midimap = MidiMap((CcMap("guidance", 21, lo=1.0, hi=8.0), CcMap("slot1", 24)),
                      (NoteMap(2, 38),), program_change=True)  # fmt: skip
    controller, osc, _ = controlled(
        rig, MidiControl(port, midimap), slots=("a", "b", "c"), slot_weights=(1.0, 0.0, 0.0)
    )
    port.queue += [[0xB0, 21, 127], [0xB0, 24, 127]]
    controller.step()
    assert controller.session.guidance == 8.0
    assert controller.session.prompts == (("a", 1.0), ("b", 1.0))
    assert controller.settings.prompts == (("a", 1.0), ("b", 1.0))
    port.queue += [[0x90, 38, 100], [0xC0, 1]]
    controller.step()
    assert controller.session.prompts == (("dub chords", 1.0),)  # the note, then scene 1
    port.queue.append([0xC0, 50])
    controller.step()
    assert controller.notice == "MIDI: no scene 50: the config has 3 (0-based)"
    assert not osc.sent  # MIDI has no one to answer to


def test_midi_learn_assigns_and_saves(rig_factory):
    rig = rig_factory(gen=0.2, render_audio=False)
    port = FakePort()
    saved: list[MidiMap] = []
    said: list[str] = []
    midi = MidiControl(port, MidiMap(), Learner(("guidance", "gain")), saved.append, said.append)
    controller, _, gains = controlled(rig, midi)
    midi.start()
    port.queue += [[0xB3, 30, 0], [0xB3, 30, 127], [0xB3, 31, 127]]
    controller.step()
    assert said[0] == "MIDI learn (1/2): move the control (knob, fader) for guidance"
    assert said[1] == "MIDI learn: guidance ← CC 30 on channel 4 (saved)"
    assert said[-1] == "MIDI learn: done" and midi.learner is not None and midi.learner.done
    assert saved[-1] == MidiMap((CcMap("guidance", 30, 4), CcMap("gain", 31, 4)))
    assert controller.session.guidance == 10.0 and gains[-1][1] == 1.0


class ClockInput:
    """A MIDI clock input as MIDI control sees it; `closed=False` is one parked by `Clocks`."""

    def __init__(self, closed: bool = True) -> None:
        self.listeners: list = []
        self.port_name = "DAW:out"
        self.closed = closed


def test_a_closed_clock_port_leaves_shared_midi_control_silent():
    from livegen.live.desk.midicontrol import MidiControlPort

    old = ClockInput()
    port = MidiControlPort.sharing(old)
    midi = MidiControl(port, MidiMap((CcMap("variation", 1),)))
    old.listeners[0]([0xB0, 1, 127], 0.0)
    old.listeners[0]([0xF8], 0.0)  # clock ticks are not control
    assert port.drain(8) == [[0xB0, 1, 127]]
    assert "silent" in (midi.clock_changed(InternalClock("120", time.monotonic)) or "")
    assert not old.listeners
    new = ClockInput()
    assert midi.clock_changed(new) is None and new.listeners == [port.push]
    midi.close()
    assert not new.listeners


def test_shared_midi_control_stays_on_a_parked_clock_port():
    from livegen.live.desk.midicontrol import MidiControlPort

    parked = ClockInput(closed=False)
    port = MidiControlPort.sharing(parked)
    midi = MidiControl(port, MidiMap((CcMap("variation", 1),)))
    assert midi.clock_changed(InternalClock("120", time.monotonic)) is None
    parked.listeners[0]([0xB0, 1, 64], 0.0)
    assert port.drain(8) == [[0xB0, 1, 64]] and port.clock is parked
    assert midi.clock_changed(parked) is None and parked.listeners == [port.push]  # back on it


def test_serve_checks_config_and_learn_targets_before_opening_anything(tmp_path):
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompt")
    add_arguments(parser)
    with pytest.raises(ConfigError, match="--midi-learn needs --config FILE"):
        load_config(parser.parse_args(["--midi-learn", "all"]))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(parser.parse_args(["--config", str(tmp_path / "none.toml")]))
    new = tmp_path / "new.toml"
    assert load_config(parser.parse_args(["--config", str(new), "--midi-learn", "gain"])) == (
        Config(new)
    )
    with pytest.raises(ValueError, match="slot 1"):  # one slot: the prompt
        load_config(parser.parse_args(["--config", str(new), "--midi-learn", "slot1"]))
    assert load_config(parser.parse_args([])) == Config()


def test_a_morph_embeds_each_step_once_and_bars_pick_theirs():
    import numpy as np

    from livegen.control.morph import PromptMorph
    from livegen.live.pipeline.concepts import ConceptRequest
    from livegen.live.pipeline.producer import Settings
    from livegen.runtime.concept.base import EmbedResult, PromptMixer

    class TwoWords(PromptMixer):
        dim = 2

        def embed_text(self, text):
            return EmbedResult(np.array([1.0, 0.0] if text == "kick" else [0.0, 1.0], np.float32))

    morph = PromptMorph((("kick", 1.0),), (("pad", 1.0),), start=8, bars=2)
    result = ConceptWorker(TwoWords()).embed_now(ConceptRequest(1, morph.target, None, morph=morph))
    assert result.error is None and len(result.morph_vectors) == 3  # steps 0, 1, 2
    half = np.array([1.0, 1.0]) / np.sqrt(2.0)
    np.testing.assert_allclose(result.morph_vectors[1], half, atol=1e-6)
    settings = Settings(1, morph.target, result.vector, morph=morph,
                        morph_concepts=result.morph_vectors)  # fmt: skip
    for bar, axis in ((7, [1.0, 0.0]), (8, half), (9, [0.0, 1.0]), (30, [0.0, 1.0])):
        prompts, concept = settings.at_bar(bar)
        assert prompts == morph.prompts_at(bar)
        np.testing.assert_allclose(concept, axis, atol=1e-6)
