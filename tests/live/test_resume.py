"""The pieces of a resume after a lost device (issue #17 item 0), on virtual time: the internal
clock's bar grid continues exactly, the recording is appended to, the command line is kept."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import soundfile as sf

from livegen.clock.events import TICKS_PER_BAR
from livegen.clock.sources import InternalClock
from livegen.control import commands as cmd
from livegen.control.keys import Key
from livegen.control.osc import Incoming
from livegen.control.state import Session
from livegen.live import resume
from livegen.live.audio.recorder import Recorder
from livegen.live.audio.watchdog import AudioWatch


def test_the_internal_clock_continues_on_the_same_grid(tmp_path):
    t = [100.0]
    before = InternalClock("123.45", lambda: t[0], playing=False)
    before.start(100.0)
    t[0] = 107.3
    daemon = SimpleNamespace(
        controller=SimpleNamespace(session=SimpleNamespace(**{k: None for k in resume.SESSION_FIELDS}),
                                   subscribers={("127.0.0.1", 9001)}),
        audio=AudioWatch(), clock=SimpleNamespace(source=before),
    )  # fmt: skip
    state = resume.load_state(resume.save_state(daemon, None, 107.3))
    after = InternalClock("124", lambda: t[0], playing=False)
    assert resume.restore_clock(after, state, earliest=112.0)
    for bar in range(6, 12):
        tick = bar * TICKS_PER_BAR
        assert abs(after.time_of_tick(tick) - before.time_of_tick(tick)) < 1e-9  # a sample: 2e-5
    assert after.bpm == Fraction(2469, 20) and after.state(112.0).playing
    assert state["subscribers"] == [["127.0.0.1", 9001]]


def test_the_audio_watch_says_lost_once_and_back_once():
    watch = AudioWatch(lost_after=0.5)
    events = [watch.step(blocks, t) for blocks, t in
              [(0, 0.0), (1, 0.1), (2, 0.2), (2, 0.6), (2, 0.71), (2, 2.0), (3, 2.1), (4, 2.2)]]  # fmt: skip
    assert events == [None, None, None, None, "lost", None, "back", None]
    assert watch.losses == 1 and not watch.lost


def test_the_recording_is_appended_to(tmp_path):
    path = tmp_path / "take.wav"
    for value in (0.25, 0.5):
        rec = Recorder(path, 48_000, append=True)
        rec.ring.push(np.full((4800, 2), value, np.float32))
        rec.stop()
    audio, _ = sf.read(path, dtype="float32")
    assert len(audio) == 9600 and audio[0, 0] == 0.25 and audio[-1, 0] == 0.5


def test_the_command_line_is_kept_without_the_old_resume():
    argv = ["--clock", "internal", "--resume", "/tmp/x.json", "--bpm", "130"]
    assert resume.serve_argv(argv) == ["--clock", "internal", "--bpm", "130"]


def test_the_key_and_its_key_guidance_come_back_after_a_resume(rig_factory):
    """Saved as JSON, restored into a fresh daemon (a new process: the built-in session), and
    the first bars it asks for are in that key with that push."""
    rig = rig_factory(channels=8, stems=("drums", "bass", "music"))
    me = ("127.0.0.1", 9999)
    for command in (cmd.SetKey(Key(5, "minor")), cmd.SetKeyGuidance(7.5)):
        assert rig.controller.handler.apply(Incoming(command, me)) is None
    state = resume.load_state(resume.save_state(rig.daemon, None, rig.vt.t))
    assert state["session"]["key_guidance"] == 7.5 and state["key"] == "F minor"
    fresh = rig.build()
    assert fresh.controller.session.key_guidance is None and fresh.controller.session.key is None
    resume.restore_session(fresh, state)
    fresh.prepare()
    session = fresh.controller.session
    assert session.key_guidance == 7.5 and session.key == Key(5, "minor")
    assert fresh.controller.settings.key_guidance == 7.5
    rig.run_until(rig.t0 + 4.0)
    assert rig.source.calls and {s.key_guidance for s in rig.source.calls} == {7.5}
    # "default" (None) comes back as None over the command line's --key-guidance; a state
    # saved before key guidance existed leaves the command line's
    rig.controller.handler.apply(Incoming(cmd.SetKeyGuidance(None), me))
    state = resume.load_state(resume.save_state(rig.daemon, None, rig.vt.t))
    assert state["session"]["key_guidance"] is None
    old = {**state, "session": {k: v for k, v in state["session"].items() if k != "key_guidance"}}
    for saved, expected in ((state, None), (old, 3.0)):
        again = rig.build(Session(prompts=(("a", 1.0),), key_guidance=3.0))
        resume.restore_session(again, saved)
        assert again.controller.session.key_guidance == expected


def test_the_key_lock_comes_back_after_a_resume(rig_factory):
    """Off, saved as JSON, restored into a fresh daemon (whose session has it on): the first
    bars it asks for are unlocked. A state saved before the key lock existed leaves the
    command line's."""
    rig = rig_factory(channels=8, stems=("drums", "bass", "music"))
    me = ("127.0.0.1", 9999)
    assert rig.controller.handler.apply(Incoming(cmd.SetKeyLock(False), me)) is None
    state = resume.load_state(resume.save_state(rig.daemon, None, rig.vt.t))
    assert state["session"]["key_lock"] is False
    fresh = rig.build()
    assert fresh.controller.session.key_lock is True
    resume.restore_session(fresh, state)
    fresh.prepare()
    assert fresh.controller.session.key_lock is False
    assert fresh.controller.settings.key_lock is False
    rig.run_until(rig.t0 + 4.0)
    assert rig.source.calls and {s.key_lock for s in rig.source.calls} == {False}
    old = {**state, "session": {k: v for k, v in state["session"].items() if k != "key_lock"}}
    for saved, expected in ((state, False), (old, True)):
        again = rig.build(Session(prompts=(("a", 1.0),), key_lock=True))
        resume.restore_session(again, saved)
        assert again.controller.session.key_lock is expected
