"""The --config file: parsing, one-line errors naming the key, and saving learned MIDI maps."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from livegen.control.config import Config, ConfigError, load, loads
from livegen.control.config_save import replace_midi, save_midi
from livegen.control.midimap import CcMap, MidiMap, NoteMap
from livegen.control.state import Scene

EXAMPLE = Path(__file__).parents[2] / "docs" / "example.toml"


def test_the_example_config_loads_and_makes_a_session():
    config = load(EXAMPLE)
    assert config.path == EXAMPLE and len(config.scenes) == 4
    assert config.scenes[1] == Scene("dub", (("dub chords", 0.7), ("minimal techno", 0.3)),
                                     guidance=2.5, morph=8)  # fmt: skip
    assert config.scenes[2].prompts is None and config.scenes[3].gain == 1.2
    assert config.scenes[3].key_guidance == 8.0 and config.scenes[1].key_guidance is None
    assert CcMap("key_guidance", 28) in config.midi.cc
    assert config.midi.channel == 1 and config.midi.program_change
    assert CcMap("guidance", 21, None, 1.0, 8.0) in config.midi.cc
    assert NoteMap(3, 39, 10) in config.midi.notes
    session = config.make_session()
    assert session.slots[1] == "dub chords" and session.slot_weights == (1.0, 0.0, 0.0, 0.0)
    assert session.variation == 0.1 and session.scenes == config.scenes
    assert session.key_guidance == 3.0
    assert session.words == (("low-end", "deep bassline"), ("tb-303", "acid line"))
    # the command line wins over [session]; None means "not given"
    session = config.make_session(guidance=4.0, steps=None, prompts=(("acid", 1.0),))
    assert session.guidance == 4.0 and session.steps == 8 and session.prompts == (("acid", 1.0),)
    assert config.make_session(key_guidance=9.5).key_guidance == 9.5  # --key-guidance
    assert config.make_session(key_guidance=None).key_guidance == 3.0


def test_a_scene_sets_key_guidance_on_a_stem_model_and_leaves_it_on_a_mix_model():
    from livegen.control import commands as cmd
    from livegen.control.state import apply

    config = loads("[[scene]]\nkey_guidance = 8\n[[scene]]\nguidance = 2.0\n")
    assert Config().make_session().key_guidance is None  # no config: the model's own
    keyed = config.make_session(model_keys=True, key_guidance=4.0)
    recalled = apply(keyed, cmd.RecallScene(0))
    assert isinstance(recalled, type(keyed)) and recalled.key_guidance == 8.0
    other = apply(recalled, cmd.RecallScene(1))  # a scene without it leaves it
    assert isinstance(other, type(keyed)) and other.key_guidance == 8.0 and other.guidance == 2.0
    mix = apply(config.make_session(), cmd.RecallScene(0))
    assert isinstance(mix, type(keyed)) and mix.key_guidance is None and mix.scene == 0


def test_key_lock_in_the_session_and_scenes_on_a_stem_model_only():
    from livegen.control import commands as cmd
    from livegen.control.state import apply

    config = loads("[session]\nkey_lock = false\n[[scene]]\nkey_lock = true\n"
                   "[[scene]]\nguidance = 2.0\n[midi.cc]\nkey_lock = 30\n")  # fmt: skip
    assert Config().make_session().key_lock is True  # no config: on
    assert config.session["key_lock"] is False and config.scenes[0].key_lock is True
    assert config.scenes[1].key_lock is None and CcMap("key_lock", 30) in config.midi.cc
    keyed = config.make_session(model_keys=True)
    assert keyed.key_lock is False
    assert config.make_session(key_lock=True).key_lock is True  # --key-lock on wins
    recalled = apply(keyed, cmd.RecallScene(0))
    assert isinstance(recalled, type(keyed)) and recalled.key_lock is True
    off = apply(recalled, cmd.SetKeyLock(False))
    other = apply(off, cmd.RecallScene(1))  # a scene without it leaves it
    assert isinstance(other, type(keyed)) and other.key_lock is False and other.guidance == 2.0
    mix = apply(replace(keyed, model_keys=False), cmd.RecallScene(0))
    assert isinstance(mix, type(keyed)) and mix.key_lock is False and mix.scene == 0


def test_no_config_gives_the_built_in_session_with_one_slot():
    session = Config().make_session(prompts=(("acid", 1.0),))
    assert session.slots == ("acid",) and session.slot_weights == (1.0,) and not session.scenes
    assert session.guidance == 3.0 and not Config().midi


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[session]\nguidance = 99", "session.guidance must be in [0, 20], got 99"),
        ("[session]\nsteps = 4.5", "session.steps must be a whole number"),
        ("[session]\nsteps = 'eight'", "session.steps must be a number, got 'eight'"),
        ("[session]\nguidence = 3", "unknown key session.guidence"),
        ("[session]\nprompt = 'a'\nprompts = { b = 1 }", "session.prompt and session.prompts"),
        ("[session]\nprompts = { a = 0 }", "session.prompts: the weights add up to 0"),
        ("[session]\nprompts = { a = 11 }", 'session.prompts."a" must be in [0, 10]'),
        ("[session]\nprompts = ['a']", "session.prompts must be a table"),
        ("[session]\nprompt = ''", "session.prompt must be a non-empty string"),
        ("[session]\nslots = []", "session.slots must be a list"),
        ("[scenes]\nx = 1", "unknown key scenes"),
        ("scene = 3", "write each scene as a [[scene]] table"),
        ("[[scene]]\nmorph = 4", "scene[0].morph: the scene has no prompt"),
        ("[[scene]]\nname = 'a'\n[[scene]]\nvariation = 2", "scene[1].variation must be in [0, 1]"),
        ("[[scene]]\nbpm = 120", "unknown key scene[0].bpm"),
        ("[session]\nkey_guidance = 21", "session.key_guidance must be in [0, 20], got 21"),
        ("[session]\nkey_guidance = -1", "session.key_guidance must be in [0, 20], got -1"),
        ("[[scene]]\nkey_guidance = 'default'", "scene[0].key_guidance must be a number"),
        ("[session]\nkey_guidence = 3", "unknown key session.key_guidence"),
        ("[session]\nkey_lock = 1", "session.key_lock must be true or false, got 1"),
        ("[session]\nkey_lock = 'off'", "session.key_lock must be true or false, got 'off'"),
        ("[[scene]]\nkey_lock = 0", "scene[0].key_lock must be true or false, got 0"),
        ("[midi.cc]\nkey_lock = { cc = 7, max = 2 }", "midi.cc.key_lock.max must be in [0, 1]"),
        ("[midi.cc]\nkey_guidance = { cc = 7, max = 25 }", "midi.cc.key_guidance.max must be in"),
        ("[midi]\nchannel = 17", "midi.channel must be in [1, 16]"),
        ("[midi]\nprogram_change = 1", "midi.program_change must be true or false"),
        ("[midi.cc]\nloudness = 7", "unknown key midi.cc.loudness"),
        ("[midi.cc]\nguidance = 128", "midi.cc.guidance must be in [0, 127]"),
        ("[midi.cc]\nguidance = { channel = 2 }", "midi.cc.guidance.cc is missing"),
        ("[midi.cc]\ngain = { cc = 7, max = 5.0 }", "midi.cc.gain.max must be in [0, 4]"),
        ("[midi.cc]\nsteps = { cc = 7, min = 0 }", "midi.cc.steps.min must be in [1, 64]"),
        ("[midi.cc]\nslot2 = 7", "midi.cc.slot2: prompt slot 2 does not exist (1 slot(s)"),
        ("[midi.notes]\nslot0 = { note = 200 }", "midi.notes.slot0.note must be in [0, 127]"),
        ("[midi.notes]\nkick = 36", "unknown key midi.notes.kick"),
        ("[midi]\ncc = 3", "midi.cc must be a table"),
        ("[session\nsteps = 8", "not valid TOML"),
        ("[words]\nno = 'kick'", "words.no: 'no' shapes how a prompt is read"),
        ("[words]\n'low end' = 'bass'", "words.low end: 'low end' is not one word"),
        ("[words]\nsidestick = ''", "words.sidestick must be a non-empty string"),
        ("words = 'x'", "words must be a table"),
    ],
)
def test_bad_configs_say_which_key_in_one_line(text, message):
    with pytest.raises(ConfigError) as info:
        loads(text, "set.toml")
    text_of = str(info.value)
    assert text_of.startswith("set.toml: ") and message in text_of, text_of
    assert "\n" not in text_of


def test_words_become_the_sessions_sorted_lower_case():
    config = loads("[words]\nSidestick = 'rim  clicks'\n'low-end' = 'deep bassline'\n")
    assert config.make_session().words == (
        ("low-end", "deep bassline"),
        ("sidestick", "rim  clicks"),
    )
    many = "[words]\n" + "".join(f"w{i} = 'kick'\n" for i in range(65))
    with pytest.raises(ConfigError, match="65 words; at most 64"):
        loads(many)


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load(tmp_path / "nope.toml")
    assert load(tmp_path / "nope.toml", missing_ok=True) == Config(tmp_path / "nope.toml")


LEARNED = MidiMap(
    (CcMap("guidance", 21, 3), CcMap("slot0", 24), CcMap("gain", 7, None, 0.0, 0.75)),
    (NoteMap(0, 36), NoteMap(1, 37, 10)),
    channel=None,
)

HAND_WRITTEN = """\
# my set
[session]
prompt = "minimal techno"   # the opener
slots = ["minimal techno", "dub chords"]

[midi]
channel = 2

[midi.cc]
steps = 22   # will be replaced

[[scene]]
name = "a"
prompt = "dub chords"
"""


def test_learned_maps_are_saved_and_everything_else_is_kept(tmp_path):
    path = tmp_path / "set.toml"
    path.write_text(HAND_WRITTEN)
    save_midi(path, LEARNED)
    text = path.read_text()
    assert text.startswith('# my set\n[session]\nprompt = "minimal techno"   # the opener\n')
    assert 'name = "a"' in text and "will be replaced" not in text
    config = load(path)
    assert config.midi == LEARNED  # round trip
    assert config.scenes == (Scene("a", (("dub chords", 1.0),)),)
    assert config.session["slots"] == ("minimal techno", "dub chords")
    # saving again changes nothing
    save_midi(path, config.midi)
    assert path.read_text() == text


def test_saving_creates_the_file_and_appends_midi(tmp_path):
    path = tmp_path / "new.toml"
    save_midi(path, MidiMap((CcMap("variation", 1),)))
    assert load(path).midi == MidiMap((CcMap("variation", 1),))
    other = tmp_path / "other.toml"
    other.write_text('[session]\nprompt = "x"')  # no final newline
    save_midi(other, LEARNED)
    assert tomllib.loads(other.read_text())["session"] == {"prompt": "x"}
    assert replace_midi("", "[midi]\n") == "[midi]\n"


def test_a_midi_table_it_cannot_edit_in_place_is_refused_with_the_mappings(tmp_path):
    path = tmp_path / "dotted.toml"
    path.write_text('midi.channel = 3\n[session]\nprompt = "x"\n')
    with pytest.raises(ConfigError, match="cannot update its \\[midi\\] tables") as info:
        save_midi(path, LEARNED)
    assert "guidance = { cc = 21, channel = 3 }" in str(info.value)
    assert path.read_text() == 'midi.channel = 3\n[session]\nprompt = "x"\n'
