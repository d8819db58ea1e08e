"""MIDI messages → commands, and MIDI learn: raw bytes in, no ports."""

from __future__ import annotations

import pytest

from livegen.control import commands as cmd
from livegen.control.midimap import (
    CC_TARGETS,
    CcMap,
    Learned,
    Learner,
    MidiMap,
    NoteMap,
    learn_targets,
    scale,
)


def cc(number: int, value: int, channel: int = 1) -> list[int]:
    return [0xB0 | (channel - 1), number, value]


def note_on(note: int, velocity: int = 100, channel: int = 1) -> list[int]:
    return [0x90 | (channel - 1), note, velocity]


def test_scale_is_exact_at_both_ends():
    assert scale(0, 1.0, 8.0) == 1.0 and scale(127, 1.0, 8.0) == 8.0
    assert scale(127, 0.1, 0.3) == 0.3 and scale(0, 0.1, 0.3) == 0.1
    assert scale(64, 0.0, 127.0) == 64.0
    assert scale(127, 1.0, 0.0) == 0.0  # lo > hi inverts
    assert scale(0, 1, 64, integer=True) == 1 and scale(127, 1, 64, integer=True) == 64
    assert scale(1, 1, 64, integer=True) == 1 and scale(126, 1, 64, integer=True) == 64
    assert scale(300, 0.0, 1.0) == 1.0 and scale(-5, 0.0, 1.0) == 0.0


def test_every_target_at_0_and_127_is_inside_its_osc_range():
    for name, target in CC_TARGETS.items():
        m = MidiMap((CcMap(name, 1),))
        for value in (0, 127):
            (command,) = m.commands(cc(1, value))
            x = {cmd.SetSlotWeight: "weight", cmd.StemGain: "gain", cmd.StemMute: "muted",
                 cmd.SetKeyLock: "on"}.get(type(command), "value")  # fmt: skip
            x = getattr(command, x)
            assert target.lo <= x <= target.hi, (name, value, command)


def test_cc_to_commands_with_ranges_and_channels():
    m = MidiMap(
        (CcMap("guidance", 21, lo=1.0, hi=8.0), CcMap("steps", 22), CcMap("slot1", 24, channel=2),
         CcMap("gain", 7)),
        channel=1,
    )  # fmt: skip
    assert m.commands(cc(21, 0)) == [cmd.SetGuidance(1.0)]
    assert m.commands(cc(21, 127)) == [cmd.SetGuidance(8.0)]
    assert m.commands(cc(22, 127)) == [cmd.SetSteps(32)]  # the default range of a steps knob
    assert m.commands(cc(22, 0)) == [cmd.SetSteps(1)] and isinstance(
        m.commands(cc(22, 50))[0].value, int
    )
    assert m.commands(cc(7, 127)) == [cmd.SetGain(1.0)]  # a gain knob stops at unity
    assert m.commands(cc(24, 127, channel=2)) == [cmd.SetSlotWeight(1, 1.0)]
    assert m.commands(cc(24, 127, channel=1)) == []  # its own channel wins over the map's
    assert m.commands(cc(21, 127, channel=3)) == []  # the map's channel
    assert m.commands(cc(99, 127)) == []
    knob = MidiMap((CcMap("key_guidance", 28), CcMap("key_guidance", 29, lo=2.0, hi=8.0)))
    assert knob.commands(cc(28, 0)) == [cmd.SetKeyGuidance(0.0)]
    assert knob.commands(cc(28, 127)) == [cmd.SetKeyGuidance(20.0)]  # the whole OSC range
    assert knob.commands(cc(29, 127)) == [cmd.SetKeyGuidance(8.0)]
    assert knob.commands(cc(29, 0)) == [cmd.SetKeyGuidance(2.0)]
    # the key lock is a switch, as a mute is: 64..127 on, 0..63 off
    switch = MidiMap((CcMap("key_lock", 30),))
    for value, on in ((0, False), (63, False), (64, True), (127, True)):
        assert switch.commands(cc(30, value)) == [cmd.SetKeyLock(on)], value
    inverted = MidiMap((CcMap("key_lock", 30, lo=1.0, hi=0.0),))  # a pedal pressed = off
    assert inverted.commands(cc(30, 127)) == [cmd.SetKeyLock(False)]
    omni = MidiMap((CcMap("variation", 1),))
    assert omni.commands(cc(1, 127, channel=16)) == [cmd.SetVariation(1.0)]


def test_notes_trigger_slots_and_program_changes_recall_scenes():
    m = MidiMap(notes=(NoteMap(0, 36, 10), NoteMap(2, 38)), channel=1, program_change=True)
    assert m.commands(note_on(36, channel=10)) == [cmd.TriggerSlot(0)]
    assert m.commands(note_on(36, channel=1)) == []
    assert m.commands(note_on(38, channel=1)) == [cmd.TriggerSlot(2)]
    assert m.commands(note_on(38, velocity=0)) == []  # a note-off in disguise
    assert m.commands([0x80, 38, 64]) == []  # note-off
    assert m.commands([0xC0, 5]) == [cmd.RecallScene(5)]
    assert m.commands([0xC1, 5]) == []  # channel 2
    assert MidiMap().commands([0xC0, 5]) == []  # program changes are opt-in
    for junk in ([], [0xB0], [0xF8], [0xFA], [0x21, 0x22, 0x23], [0xB0, 21]):
        assert m.commands(junk) == []
    assert not MidiMap() and m


def test_with_cc_replaces_the_target_and_the_control():
    m = MidiMap((CcMap("guidance", 21), CcMap("gain", 7, channel=1)))
    m = m.with_cc(CcMap("steps", 21, channel=1))  # CC 21 now drives steps only
    assert [(c.target, c.cc) for c in m.cc] == [("gain", 7), ("steps", 21)]
    m = m.with_cc(CcMap("gain", 8))
    assert [(c.target, c.cc) for c in m.cc] == [("steps", 21), ("gain", 8)]
    n = MidiMap(notes=(NoteMap(0, 36),)).with_note(NoteMap(1, 36, 10))
    assert n.notes == (NoteMap(1, 36, 10),)


def test_learn_targets():
    assert learn_targets("guidance, slot1 ,cc.gain,notes.slot0", 2) == (
        "guidance", "slot1", "gain", "notes.slot0")  # fmt: skip
    assert learn_targets("all", 2) == ("guidance", "steps", "variation", "gain", "slot0",
                                       "slot1", "notes.slot0", "notes.slot1")  # fmt: skip
    with pytest.raises(ValueError, match="unknown target 'guidence'"):
        learn_targets("guidence", 4)
    with pytest.raises(ValueError, match="slot 5"):
        learn_targets("slot5", 4)
    with pytest.raises(ValueError, match="no targets"):
        learn_targets(" , ", 4)


def test_the_learner_assigns_the_next_new_control_to_each_target():
    learner = Learner(("guidance", "steps", "notes.slot1"))
    assert "move the control" in learner.prompt() and "guidance" in learner.prompt()
    assert learner.feed(note_on(40)) is None  # a note while a knob is wanted
    first = learner.feed(cc(21, 64, channel=3))
    assert first == Learned("guidance", CcMap("guidance", 21, 3))
    # the knob keeps sending while it turns: it is not offered to the next target
    assert learner.feed(cc(21, 65, channel=3)) is None and learner.current == "steps"
    assert learner.feed(cc(22, 0, channel=3)) == Learned("steps", CcMap("steps", 22, 3))
    assert "play the note" in learner.prompt()
    assert learner.feed(note_on(40, velocity=0)) is None
    assert learner.feed(note_on(40, channel=10)) == Learned("notes.slot1", NoteMap(1, 40, 10))
    assert learner.done and learner.feed(cc(30, 1)) is None and "done" in learner.prompt()
    m = MidiMap()
    for learned in (first, Learned("notes.slot1", NoteMap(1, 40, 10))):
        m = learned.apply(m)
    assert m.commands(cc(21, 127, channel=3)) == [cmd.SetGuidance(10.0)]
    assert m.commands(note_on(40, channel=10)) == [cmd.TriggerSlot(1)]
    assert first.describe() == "guidance ← CC 21 on channel 3"
