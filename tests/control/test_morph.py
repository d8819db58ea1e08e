"""Prompt morphs, scenes and prompt slots on the session: pure logic, exact weights per bar."""

from __future__ import annotations

import pytest

from livegen.control import commands as cmd
from livegen.control.morph import PromptMorph, blend, morph_prompts, normalise, strongest
from livegen.control.state import Refused, Scene, Session, apply

OLD = (("minimal techno", 3.0), ("dub chords", 1.0))  # normalised: 0.75, 0.25
TARGET = (("acid bassline", 1.0),)


def test_bar_k_of_n_gets_k_over_n_of_the_target():
    n = 4
    for k in range(1, n):
        mix = dict(morph_prompts(OLD, TARGET, k, n))
        assert mix["acid bassline"] == k / n
        assert mix["minimal techno"] == 0.75 * (1 - k / n)
        assert mix["dub chords"] == 0.25 * (1 - k / n)
        assert sum(mix.values()) == pytest.approx(1.0)
    assert morph_prompts(OLD, TARGET, 0, n) == OLD  # before: the old mix, untouched
    assert morph_prompts(OLD, TARGET, -3, n) == OLD
    assert morph_prompts(OLD, TARGET, n, n) == TARGET  # the last bar: the target exactly
    assert morph_prompts(OLD, TARGET, n + 5, n) == TARGET


def test_blend_merges_texts_and_drops_zero_weights():
    both = blend((("a", 1.0),), (("a", 1.0), ("b", 1.0)), 0.5)
    assert dict(both) == {"a": 0.75, "b": 0.25}
    assert blend((("a", 2.0),), (("b", 1.0),), 1.0) == (("b", 1.0),)
    assert blend((("a", 2.0),), (("b", 1.0),), 0.0) == (("a", 1.0),)
    assert normalise((("a", 2.0), ("b", 6.0))) == (("a", 0.25), ("b", 0.75))
    with pytest.raises(ValueError, match="add up to 0"):
        normalise((("a", 0.0),))
    many = tuple((f"p{i}", float(i + 1)) for i in range(10))
    assert strongest(many, 3) == (("p7", 8.0), ("p8", 9.0), ("p9", 10.0))


def test_a_prompt_morph_is_anchored_to_song_bars():
    m = PromptMorph(OLD, TARGET, start=16, bars=8)
    assert [m.step(b) for b in (14, 15, 16, 17, 23, 24, 99)] == [0, 0, 1, 2, 8, 8, 8]
    assert m.prompts_at(15) == OLD and m.prompts_at(23) == TARGET and m.end == 23
    assert dict(m.prompts_at(19))["acid bassline"] == 4 / 8


def test_morph_command_starts_at_the_next_downbeat_from_the_current_mix():
    s = Session(prompts=OLD)
    s = apply(s, cmd.Morph("acid bassline", 1.0, 4), next_bar=10)
    assert s.prompts == TARGET  # the session's prompts are the morph's target
    assert s.morph == PromptMorph(OLD, TARGET, 10, 4)
    assert s.prompts_at(9) == OLD and dict(s.prompts_at(10))["acid bassline"] == 0.25
    # a partial morph: the new prompt gets the share `weight`, the current mix the rest
    half = apply(Session(prompts=OLD), cmd.Morph("acid bassline", 0.5, 2), next_bar=0)
    assert dict(half.prompts) == {"minimal techno": 0.375, "dub chords": 0.125,
                                  "acid bassline": 0.5}  # fmt: skip
    # a morph during a morph starts from the mix playing at that moment
    again = apply(s, cmd.Morph("dub chords", 1.0, 2), next_bar=12)
    assert again.morph is not None and again.morph.old == s.prompts_at(11)
    # a plain prompt ends any morph
    assert apply(s, cmd.SetPrompts((("x", 1.0),))).morph is None


SCENES = (
    Scene("intro", prompts=(("minimal techno", 1.0),), guidance=3.0, steps=8),
    Scene("dub", prompts=(("dub chords", 1.0),), guidance=2.0, morph=8),
    Scene("shake", seed=7, variation=0.6, gain=1.2),
)


def test_a_scene_sets_what_it_names_and_leaves_the_rest():
    s = Session(prompts=OLD, guidance=5.0, steps=12, seed=1, scenes=SCENES)
    intro = apply(s, cmd.RecallScene(0), next_bar=4)
    assert intro.prompts == (("minimal techno", 1.0),) and intro.morph is None
    assert (intro.guidance, intro.steps, intro.seed, intro.scene) == (3.0, 8, 1, 0)
    dub = apply(s, cmd.RecallScene(1), next_bar=4)
    assert dub.morph == PromptMorph(OLD, (("dub chords", 1.0),), 4, 8) and dub.guidance == 2.0
    shake = apply(s, cmd.RecallScene(2), next_bar=4)
    assert shake.prompts == OLD and (shake.seed, shake.variation, shake.gain) == (7, 0.6, 1.2)
    # no such scene: refused, with the reason the daemon sends back
    assert apply(s, cmd.RecallScene(3)) == Refused(
        "/livegen/scene", "no scene 3: the config has 3 (0-based)"
    )


def test_slot_weights_mix_the_slots_and_notes_pick_one():
    s = Session(slots=("a", "b", "c"), slot_weights=(1.0, 0.0, 0.0))
    s = apply(s, cmd.SetSlotWeight(1, 0.5))
    assert s.prompts == (("a", 1.0), ("b", 0.5)) and s.slot_weights == (1.0, 0.5, 0.0)
    s = apply(s, cmd.SetSlotWeight(0, 0.0))
    assert s.prompts == (("b", 0.5),)
    silent = apply(s, cmd.SetSlotWeight(1, 0.0))
    assert silent.prompts == (("b", 0.5),)  # every slot at 0: the prompt stays
    picked = apply(s, cmd.TriggerSlot(2))
    assert picked.prompts == (("c", 1.0),) and picked.slot_weights == (0.0, 0.0, 1.0)
    no_slot = "no prompt slot {}: 3 slot(s) (0-based)"
    assert apply(s, cmd.TriggerSlot(3)) == Refused("/livegen/slot", no_slot.format(3))
    assert apply(s, cmd.SetSlotWeight(5, 1.0)) == Refused("/livegen/slot", no_slot.format(5))
