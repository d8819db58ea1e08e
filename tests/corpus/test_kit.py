"""`corpus make --kit`: recorded one-shots assigned to drum voices by name and by sound, played
on the corpus's own drum patterns, with the synthesised corpus unchanged when no kit is given."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livegen.corpus import dsp
from livegen.corpus.kit import features, load_kit, voice_by_sound
from livegen.corpus.loop import make_loop
from livegen.corpus.make import CorpusConfig, load_stems, make_corpus, read_manifest
from livegen.corpus.patterns import Grid

SONIC_PI = Path("/usr/share/sonic-pi/samples")
LMMS = Path("/usr/share/lmms/samples/drums")

pytestmark = pytest.mark.skipif(
    not (SONIC_PI / "bd_808.flac").is_file() or not (LMMS / "kick01.ogg").is_file(),
    reason="needs Debian's sonic-pi-samples and lmms-common (scripts/setup.sh)",
)


def linked(tmp: Path, files: list[Path], rename=lambda p, i: p.name) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(files):
        (tmp / rename(f, i)).symlink_to(f)
    return tmp


def voices(kit) -> dict[str, str]:
    return {Path(r["file"]).name: r["voice"] for r in kit.report()["assigned"]}


def test_debian_one_shots_are_assigned_by_their_names(tmp_path):
    files = sorted(SONIC_PI.glob("bd_*.flac")) + sorted(SONIC_PI.glob("drum_*.flac"))
    files += sorted(LMMS.glob("*.ogg"))
    kit = load_kit(linked(tmp_path / "kit", files))
    got = voices(kit)
    assert [got[f.name] for f in sorted(SONIC_PI.glob("bd_*.flac"))] == ["kick"] * 13
    assert got["drum_snare_hard.flac"] == got["drum_snare_soft.flac"] == "snare"
    assert got["drum_cymbal_closed.flac"] == "hats" and got["drum_cowbell.flac"] == "perc"
    lmms = {f.name: got.get(f.name) for f in LMMS.glob("*.ogg")}
    kicks = [v for n, v in lmms.items() if n.startswith(("kick", "bassdrum")) and v]
    assert len(kicks) >= 14 and kicks.count("kick") == len(kicks)
    assert all(v == "hats" for n, v in lmms.items() if n.startswith("hihat"))
    assert all(v == "clap" for n, v in lmms.items() if n.startswith("clap"))
    assert all(v == "rim" for n, v in lmms.items() if n.startswith(("rim", "sidestick")))
    # every file has a line: assigned with its cue, or skipped with a reason a user can act on
    report = kit.report()
    assert len(report["assigned"]) + len(report["skipped"]) == len(files)
    reasons = {Path(s["file"]).name: s["reason"] for s in report["skipped"]}
    assert "not a one-shot" in reasons["drum_roll.flac"]  # a 6 s roll
    assert report["synthesised"] == []


def test_the_sound_alone_tells_kicks_and_hats(tmp_path):
    kicks = sorted(LMMS.glob("kick*.ogg")) + sorted(LMMS.glob("bassdrum0*.ogg"))
    hats = sorted(LMMS.glob("hihat_closed*.ogg")) + sorted(LMMS.glob("hihat_opened*.ogg"))
    kit = load_kit(linked(tmp_path / "k", kicks + hats, lambda p, i: f"sample{i:02d}{p.suffix}"))
    got = {r["file"]: r for r in kit.report()["assigned"]}
    assert all(r["cue"] == "sound" for r in got.values())
    as_kick = [
        got[f"sample{i:02d}.ogg"]["voice"] for i in range(len(kicks)) if f"sample{i:02d}.ogg" in got
    ]
    as_hats = [
        got[f"sample{i:02d}.ogg"]["voice"] for i in range(len(kicks), len(kicks) + len(hats))
    ]
    assert as_kick.count("kick") / len(as_kick) >= 0.9, as_kick
    assert as_hats.count("hats") / len(as_hats) >= 0.8, as_hats
    # and the classifier separates them by a margin, not by luck at one threshold
    lows = [features(kit_shot.audio)["low"] for kit_shot in kit.shots["kick"]]
    assert min(lows) > 0.45 and voice_by_sound(features(kit.shots["hats"][0].audio))[0] == "hats"


def test_bad_files_are_reported_not_raised(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "kick.wav").write_text("not audio")
    sf.write(folder / "silent_snare.wav", np.zeros(4800), 24_000)
    sf.write(folder / "long_clap.wav", 0.1 * np.ones(30 * 24_000), 24_000)
    shutil.copy(LMMS / "kick01.ogg", folder / "kick01.ogg")
    kit = load_kit(folder)
    reasons = {s["file"]: s["reason"] for s in kit.report()["skipped"]}
    assert reasons["kick.wav"].startswith("unreadable")
    assert reasons["silent_snare.wav"] == "silent"
    assert "30.0 s long" in reasons["long_clap.wav"]
    assert kit.voices() == ["kick"] and set(kit.report()["synthesised"]) == {
        "clap", "snare", "hats", "rim", "perc"
    }  # fmt: skip
    (folder / "drumkit.xml").write_text("<drumkit_info/>")  # not audio: not a line at all
    assert len(load_kit(folder).report()["skipped"]) == 3
    (folder / "kick01.ogg").unlink()
    with pytest.raises(ValueError, match="no usable one-shot"):
        load_kit(folder)


PRE_KIT_HASH = {
    "avx512": "99c65b47c2ec86e77ba6e5a554bb4e2af2871d6dfab82121942c4c0b3bb9a5b2",
    "avx2": "771f445eed4c949166f23766f79672e801659fb4fbbdb55e9b7311fa1ef2e785",
}


def _has_avx512() -> bool:
    from numpy._core._multiarray_umath import __cpu_features__

    return bool(__cpu_features__.get("AVX512F"))


def test_no_kit_is_the_synthesised_corpus_bit_for_bit():
    h = hashlib.sha256()
    for i in (0, 5, 17):
        loop = make_loop(7, i)
        h.update(loop.audio.tobytes())
        for s in sorted(loop.stems):
            h.update(loop.stems[s].tobytes())
    # the hash of these loops before the kit existed (livegen 7fada7d), as that code computes
    # them on this CPU: numpy's SIMD kernels (AVX-512 or not) round a few float32 sums otherwise
    assert h.hexdigest() == PRE_KIT_HASH["avx512" if _has_avx512() else "avx2"]


def test_a_kit_plays_the_recorded_kick_on_the_pattern_and_keeps_the_rest(tmp_path):
    kit = load_kit(linked(tmp_path / "one", [LMMS / "kick01.ogg", LMMS / "clap01.ogg"]))
    shot = kit.shots["kick"][0].audio
    for index in range(6):
        with_kit = make_loop(7, index, keep_parts=True, kit=kit)
        plain = make_loop(7, index, keep_parts=True)
        assert with_kit.parts is not None and plain.parts is not None
        inst = with_kit.meta["instruments"]
        if "kick" not in inst:
            continue
        assert inst["kick"]["kit"] == "kick01.ogg"
        # the kick part is exactly the recorded hit at the pattern's steps and velocities
        grid = Grid(with_kit.meta["bpm"], with_kit.meta["n_samples"], with_kit.meta["swing"])
        want = np.zeros(len(with_kit.parts["kick"]))
        for step, vel in zip(inst["kick"]["steps"], inst["kick"]["velocities"], strict=True):
            dsp.place(want, shot, grid.step_pos(step), vel)
        k = with_kit.parts["kick"]
        assert np.corrcoef(k, want)[0, 1] > 0.999
        # at the synthesised hit's level (overlapping tails aside): peaks within 10 %
        ratio = np.max(np.abs(k)) / np.max(np.abs(plain.parts["kick"]))
        assert 0.9 < ratio < 1.1, ratio
        # every instrument the kit does not play is the one the same seed makes without it
        for name in ("bass", "acid", "stabs", "pad", "closed_hat", "open_hat", "snare", "rim"):
            if name in plain.parts:
                np.testing.assert_array_equal(with_kit.parts[name], plain.parts[name])


def test_corpus_make_with_a_kit_keeps_stems_exact_and_records_the_kit(tmp_path):
    kit_dir = linked(tmp_path / "kit", [*sorted(LMMS.glob("kick0*.ogg")), LMMS / "clap01.ogg"])
    cfg = CorpusConfig(n=6, seed=11, kit=str(kit_dir))
    make_corpus(tmp_path / "c", cfg, workers=1, progress=False)
    summary = json.loads((tmp_path / "c/corpus.json").read_text())
    assert summary["config"]["kit"] == str(kit_dir) and summary["kit"]["assigned"]
    played = 0
    for entry in read_manifest(tmp_path / "c"):
        stems = load_stems(tmp_path / "c", entry)
        assert stems is not None
        mix, _ = sf.read(tmp_path / "c" / entry["path"], dtype="int16")
        total = sum(np.round(stems[s].astype(np.float64) * 32768) for s in stems)
        assert np.abs(mix - total).max() <= 1  # the 16-bit mix is the 16-bit stems' sum
        played += "kit" in entry["instruments"].get("kick", {})
        if "kick" in entry["instruments"]:
            assert not any("909 kick" in c for c in entry["captions"])
    assert played >= 1
