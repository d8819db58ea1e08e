"""MIDI for stems and key: notes on the key channel set the key's root, CCs drive stem gains and
mutes; raw bytes in, no ports."""

from __future__ import annotations

import re

import pytest

from livegen.control import commands as cmd
from livegen.control.config import ConfigError, loads
from livegen.control.config_save import midi_toml, save_midi
from livegen.control.midimap import CcMap, KeyNotes, Learner, MidiMap, NoteMap
from livegen.live.desk.midicontrol import MidiControl


def note_on(note: int, velocity: int = 100, channel: int = 16) -> list[int]:
    return [0x90 | (channel - 1), note, velocity]


def note_off(note: int, channel: int = 16) -> list[int]:
    return [0x80 | (channel - 1), note, 0]


def roots(keys: KeyNotes, *messages: list[int]) -> list[int]:
    out = []
    for message in messages:
        out += [c.root for c in keys.feed(message) if isinstance(c, cmd.SetKeyRoot)]
    return out


def test_a_note_on_the_key_channel_sets_the_root_to_its_pitch_class():
    keys = KeyNotes(16)
    assert keys.feed(note_on(65)) == [cmd.SetKeyRoot(5)]  # F4 → F
    assert keys.feed(note_off(65)) == []  # released: the root stays F
    assert keys.feed(note_on(22)) == [cmd.SetKeyRoot(10)]  # A#0 → A#, whatever the octave
    assert keys.feed(note_on(60, channel=15)) == []  # another channel
    assert keys.feed([0xB0 | 15, 1, 64]) == []  # a CC on the key channel
    assert KeyNotes(None).feed(note_on(60)) == []  # off


def test_the_lowest_held_note_wins_and_releases_never_change_the_root():
    keys = KeyNotes(16)
    # a C minor chord played upwards: C sets the root, Eb and G above it do not
    assert roots(keys, note_on(48), note_on(51), note_on(55)) == [0]
    # a lower note joins: it is the root now
    assert roots(keys, note_on(45)) == [9]
    # the chord let go note by note, lowest first: no root flickers up to C or Eb
    assert roots(keys, note_off(45), note_off(48), note_on(51, velocity=0)) == []
    assert keys.held == {55}
    # G still held: a note above it is no root, one below it is
    assert roots(keys, note_on(62), note_on(53)) == [5]
    # all notes off (CC 123) forgets what was held: the next note is the lowest again
    assert roots(keys, [0xB0 | 15, 123, 0], note_on(70)) == [10]


def test_notes_on_the_key_channel_are_the_keys_only():
    m = MidiMap(notes=(NoteMap(0, 36), NoteMap(1, 37, 16)), key_channel=16)
    assert m.commands(note_on(36)) == [] and m.commands(note_on(37)) == []
    assert m.commands(note_on(36, channel=1)) == [cmd.TriggerSlot(0)]
    assert MidiMap(key_channel=16)  # a key channel alone opens MIDI control


class Port:
    def __init__(self, *messages: list[int]) -> None:
        self.messages = [list(m) for m in messages]

    def drain(self, limit: int) -> list[list[int]]:
        out, self.messages = self.messages[:limit], self.messages[limit:]
        return out

    def close(self) -> None:
        pass


def test_midi_control_turns_key_channel_notes_into_roots_beside_the_mappings():
    config = loads("[midi]\nkey_channel = 16\n[midi.notes]\nslot0 = 36\n")
    midi = MidiControl(Port(note_on(36, channel=1), note_on(50), note_on(57), note_on(36)),
                       config.midi)  # fmt: skip
    assert midi.commands() == [cmd.TriggerSlot(0), cmd.SetKeyRoot(2), cmd.SetKeyRoot(0)]


def test_the_key_channel_in_the_config_and_saved_back(tmp_path):
    assert loads("[midi]\nkey_channel = 16").midi == MidiMap(key_channel=16)
    assert loads("[midi]\nchannel = 1").midi.key_channel is None
    for bad, why in (("17", "must be in [1, 16]"), ('"16"', "must be a number")):
        with pytest.raises(ConfigError, match=f"midi.key_channel {re.escape(why)}"):
            loads(f"[midi]\nkey_channel = {bad}")
    assert "key_channel = 3" in midi_toml(MidiMap(key_channel=3))
    path = tmp_path / "set.toml"
    save_midi(path, MidiMap(channel=2, key_channel=16))  # MIDI learn keeps it
    assert loads(path.read_text()).midi == MidiMap(channel=2, key_channel=16)


def test_key_channel_on_the_command_line_wins_over_the_config(tmp_path):
    import argparse

    from livegen.live.desk import midicontrol

    parser = argparse.ArgumentParser()
    midicontrol.add_arguments(parser)
    path = tmp_path / "set.toml"
    path.write_text("[midi]\nkey_channel = 16\nchannel = 2\n")
    args = parser.parse_args(["--config", str(path), "--key-channel", "9"])
    assert midicontrol.load_config(args).midi == MidiMap(channel=2, key_channel=9)
    args = parser.parse_args(["--config", str(path)])
    assert midicontrol.load_config(args).midi.key_channel == 16
    assert midicontrol.load_config(parser.parse_args(["--key-channel", "1"])).midi
    for bad in ("0", "17", "ten"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--key-channel", bad])


def cc(number: int, value: int, channel: int = 1) -> list[int]:
    return [0xB0 | (channel - 1), number, value]


def test_stem_ccs_a_fader_at_once_and_a_mute_at_the_next_downbeat():
    m = MidiMap((CcMap("stem.drums", 20), CcMap("stem.music", 21, lo=0.0, hi=2.0),
                 CcMap("mute.bass", 22)))  # fmt: skip
    assert m.commands(cc(20, 127)) == [cmd.StemGain("drums", 1.0, now=True)]  # stops at unity
    assert m.commands(cc(20, 0)) == [cmd.StemGain("drums", 0.0, now=True)]
    assert m.commands(cc(21, 127)) == [cmd.StemGain("music", 2.0, now=True)]  # +6 dB, asked for
    assert m.commands(cc(22, 127)) == [cmd.StemMute("bass", True)]
    assert m.commands(cc(22, 64)) == [cmd.StemMute("bass", True)]
    assert m.commands(cc(22, 63)) == [cmd.StemMute("bass", False)]
    assert m.commands(cc(22, 0)) == [cmd.StemMute("bass", False)]


def test_stem_ccs_in_the_config_dotted_or_quoted_and_saved_back(tmp_path):
    text = """
[midi.cc]
stem.drums = 20
mute.bass = { cc = 22, channel = 3 }
"stem.music" = { cc = 21, max = 2.0 }
"""
    midi = loads(text).midi
    assert set(midi.cc) == {
        CcMap("stem.drums", 20),
        CcMap("mute.bass", 22, 3),
        CcMap("stem.music", 21, hi=2.0),
    }
    path = tmp_path / "set.toml"
    save_midi(path, midi)  # written as dotted keys, read back the same (TOML groups them)
    assert set(loads(path.read_text()).midi.cc) == set(midi.cc)
    for bad, why in (
        ("stem.vocals = 3", "unknown key midi.cc.stem.vocals"),
        ("stem.drums = { cc = 3, max = 2.5 }", "midi.cc.stem.drums.max must be in [0, 2]"),
    ):
        with pytest.raises(ConfigError, match=re.escape(why)):
            loads(f"[midi.cc]\n{bad}")


def test_stem_targets_can_be_learned():
    learner = Learner(("stem.drums", "mute.drums"))
    first = learner.feed(cc(30, 5, channel=2))
    second = learner.feed(cc(31, 127, channel=2))
    assert first is not None and second is not None
    m = second.apply(first.apply(MidiMap()))
    assert m.commands(cc(30, 127, channel=2)) == [cmd.StemGain("drums", 1.0, now=True)]
    assert m.commands(cc(31, 127, channel=2)) == [cmd.StemMute("drums", True)]
