"""A real stem generator (the tiny exported package) in the daemon and in `livegen render`: the
daemon's mix and stem channels are what `render --stems --key` writes (to the 24-bit files' last
bit), and a key sent over OSC reaches the generator's request for the next bar.

The daemon is the real one on virtual time (tests/support/virtual.py), as in
test_render_equals_daemon.py; the first downbeat is on a whole output frame.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("torch")  # the tiny package is trained here

from livegen.clock.sources import InternalClock
from livegen.control.keys import Key
from livegen.control.osc import encode
from livegen.control.state import Session
from livegen.live import render
from livegen.live.daemon import Daemon
from livegen.live.pipeline.source import GeneratorSource
from livegen.runtime.generator import Generator
from livegen.runtime.models import resolve_model
from livegen.units import bar_starts
from tests.support.fakes import FakeOsc
from tests.support.models import tiny_package_one_thread
from tests.support.virtual import VirtualAudio, VirtualTime, run_daemon

RATE, BLOCK, BPM, BARS = 48_000, 256, 124, 3
SETTINGS = {"seed": 4, "steps": 2, "guidance": 1.0, "variation": 0.5}
ME = ("127.0.0.1", 9999)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory):
    return tiny_package_one_thread(tmp_path_factory.mktemp("stems_pkg"), stems=True)


class Requests:
    """The generator, with every request it gets kept."""

    def __init__(self, gen: Generator) -> None:
        self.gen, self.requests = gen, []

    def __getattr__(self, name):
        return getattr(self.gen, name)

    def bar(self, request, prev_noise=None):
        self.requests.append(request)
        return self.gen.bar(request, prev_noise)


def run(pkg, key: Key | None, seconds: float, during=None, key_guidance=None, key_lock=True):
    vt = VirtualTime(100.0)
    latency = BLOCK / RATE
    clock = InternalClock(str(BPM), vt, playing=False)
    clock.start(vt.t + 1.0)
    gen = Requests(Generator.load(pkg, "cpu", 1, stems=True))
    osc = FakeOsc()
    session = Session(prompts=(), key=key, key_guidance=key_guidance, key_lock=key_lock, **SETTINGS)
    daemon = Daemon(GeneratorSource(gen), clock, session, RATE, osc=osc, now=vt, channels=8)
    daemon.prepare()
    audio = VirtualAudio(daemon.engine.callback, vt, RATE, BLOCK, latency, channels=8)
    run_daemon(daemon, vt, audio, vt.t + 1.0 + 0.6 * 240 / BPM)
    if during is not None:
        during(daemon, vt)
    run_daemon(daemon, vt, audio, vt.t + seconds)
    first = round((1.0 - latency) * RATE)
    return daemon, audio.output(), first, gen, osc


@pytest.mark.parametrize(("key_guidance", "key_lock"), [(None, True), (8.0, True), (None, False)])
def test_render_stems_write_what_the_daemon_plays_on_its_stem_channels(
    pkg, tmp_path, key_guidance, key_lock
):
    daemon, live, first, gen, _ = run(
        pkg, Key(9, "minor"), (BARS - 0.1) * 240 / BPM, key_guidance=key_guidance,
        key_lock=key_lock,
    )  # fmt: skip
    assert daemon.stems == ("drums", "bass", "music")
    assert {r.key for r in gen.requests} == {Key(9, "minor")}
    assert {r.key_guidance for r in gen.requests} == {key_guidance}
    assert {r.key_lock for r in gen.requests} == {key_lock}
    pushed = [] if key_guidance is None else ["--key-guidance", str(key_guidance)]
    pushed += [] if key_lock else ["--key-lock", "off"]
    parser = argparse.ArgumentParser()
    render.add_arguments(parser)
    out = tmp_path / "x.wav"
    args = parser.parse_args(
        ["--model", str(pkg), "--threads", "1", "--bpm", str(BPM), "--bars", str(BARS),
         "--sample-rate", str(RATE), "--out", str(out), "--stems", "--key", "A minor"]
        + [f"--{k}={v}" for k, v in SETTINGS.items()] + pushed
    )  # fmt: skip
    assert render.run(args) == 0
    n = bar_starts(BARS, BPM, RATE)[-1]
    lsb = 2.0**-23  # the files are 24-bit
    files = {"": 0, "_drums": 2, "_bass": 4, "_music": 6}
    written = {}
    for suffix, channel in files.items():
        offline, rate = sf.read(tmp_path / f"x{suffix}.wav", dtype="float64")
        assert rate == RATE and len(offline) == n
        played = live[first : first + n, channel].astype(np.float64)
        assert np.abs(played).max() > 1e-3, suffix
        assert np.abs(played - offline).max() <= lsb, (suffix, np.abs(played - offline).max())
        written[suffix] = offline
    total = written["_drums"] + written["_bass"] + written["_music"]
    assert np.abs(written[""] - total).max() <= 3 * lsb  # the mix is the stems' sum


def test_a_key_sent_over_osc_reaches_the_next_bars_request(pkg):
    sent = {}

    def send_key(daemon, vt):
        sent["requests"] = len(daemon.source.generator.requests)
        daemon.controller.handle(encode("/livegen/key", ("C major",)), ME, vt.t, time.time())

    daemon, _, _, gen, osc = run(pkg, None, 2.2 * 240 / BPM, during=send_key)
    keys = [r.key for r in gen.requests]
    before, after = keys[: sent["requests"]], keys[sent["requests"] :]
    assert set(before) == {None} and after
    assert set(after) == {Key(0, "major")}  # the generator plays it as `key_played` says
    played = gen.key_played(Key(0, "major"))
    reply = next(args for address, args, _ in osc.sent if address == "/livegen/key")
    assert reply == ("C major", played.name)
    print(f"\nC major is played as {played.name}; {len(after)} bar(s) after the change")
    live = daemon.live()
    assert live["key"] == Key(0, "major") and live["key_played"] == played


def render_args(model, out, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    render.add_arguments(parser)
    return parser.parse_args(
        ["--model", str(model), "--threads", "1", "--bpm", str(BPM), "--bars", "1",
         "--sample-rate", str(RATE), "--out", str(out), *extra]
        + [f"--{k}={v}" for k, v in SETTINGS.items()]
    )  # fmt: skip


SHIPPED = resolve_model("default")


@pytest.mark.skipif(
    not (SHIPPED / "generator_stems.onnx").is_file(), reason="needs the shipped stem generator"
)
def test_render_key_guidance_pushes_to_the_key_and_needs_one(tmp_path, capsys):
    """On the shipped stem generator (the tiny one barely learned the key): --key-guidance 8
    and 0 make different bars in A minor; without a key it changes nothing, to the bit (there
    is no key branch to push)."""
    mixes = {}
    for name, extra in {
        "w8": ["--key", "A minor", "--key-guidance", "8"],
        "w0": ["--key", "A minor", "--key-guidance", "0"],
        "nokey": [],
        "nokey_w8": ["--key-guidance", "8"],
    }.items():
        assert render.run(render_args(SHIPPED, tmp_path / f"{name}.wav", "--stems", *extra)) == 0
        mixes[name], _ = sf.read(tmp_path / f"{name}.wav", dtype="float64")
    assert "in A minor, key guidance 8:" in capsys.readouterr().out
    rms = {name: float(np.sqrt(np.mean(mix**2))) for name, mix in mixes.items()}
    assert min(rms.values()) > 1e-3, rms
    apart = float(np.sqrt(np.mean((mixes["w8"] - mixes["w0"]) ** 2))) / rms["w8"]
    assert apart > 0.2, apart  # measured 0.89 (2 steps, w = 1, seed 4)
    assert np.array_equal(mixes["nokey"], mixes["nokey_w8"])
    print(f"\nA minor, key guidance 8 vs 0: the mixes differ by {apart:.2f} of the RMS")


def test_render_key_lock_reaches_every_bars_request(pkg, tmp_path, monkeypatch, capsys):
    """--key-lock off goes into every bar's request (the first one checked too); without it the
    lock is on, as in the daemon."""
    seen: dict[str, list] = {"bar": [], "check": []}

    def recording(name: str):  # render loads its own Generator: record on the class
        method = getattr(Generator, name)

        def record(self, req, *args, **kwargs):
            seen[name].append(req)
            return method(self, req, *args, **kwargs)

        return record

    for name in seen:
        monkeypatch.setattr(Generator, name, recording(name))
    for extra, lock in ((["--key-lock", "off"], False), ([], True)):
        seen["bar"].clear()
        seen["check"].clear()
        args = render_args(pkg, tmp_path / f"{lock}.wav", "--stems", "--key", "A minor", *extra)
        args.bars = 3  # variation 0.5: each bar is generated
        assert render.run(args) == 0
        bars = [r for r in seen["bar"] if r.key == Key(9, "minor")]  # not the warm-up's
        assert [r.key_lock for r in bars] == [lock] * 3
        assert [r.seed for r in bars] == [4, 5, 6]  # still bar k's own seed
        checked = [r for r in seen["check"] if r.key == Key(9, "minor")]
        assert len(checked) > len(bars) and {r.key_lock for r in checked} == {lock}  # 1st too
        printed = capsys.readouterr().out
        assert ("key lock off" in printed) == (not lock), printed


def test_render_refuses_key_lock_without_stems(pkg, tmp_path, capsys):
    out = tmp_path / "mix.wav"
    for word in ("on", "off"):  # either is a setting a mix model does not have
        with pytest.raises(ValueError, match="--key-lock: the mix generator has no key input; "
                           "add --stems"):  # fmt: skip
            render.run(render_args(pkg, out, "--key-lock", word))
    assert not out.exists()
    code = render.main(["--model", str(pkg), "--out", str(out), "--key-lock", "off"])
    assert code == 1 and "add --stems" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # only on or off
        render_args(pkg, out, "--stems", "--key-lock", "1")
    assert "invalid choice: '1'" in capsys.readouterr().err


def test_render_refuses_key_guidance_without_stems(pkg, tmp_path, capsys):
    out = tmp_path / "mix.wav"
    with pytest.raises(ValueError, match="--key-guidance: the mix generator has no key input; "
                       "add --stems"):  # fmt: skip
        render.run(render_args(pkg, out, "--key-guidance", "8"))
    assert not out.exists()
    # the command says so in one line, as it does for --key
    code = render.main(["--model", str(pkg), "--out", str(out), "--key-guidance", "8"])
    assert code == 1 and "add --stems" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # out of the OSC address's range: argparse says why
        render_args(pkg, out, "--stems", "--key-guidance", "21")
    assert "key_guidance must be in [0, 20], got 21" in capsys.readouterr().err
