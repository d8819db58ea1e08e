"""Tests for livegen.corpus.tempo_tags: tempos in names and in WAV/FLAC/AIFF/OGG/MP3 metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from livegen.corpus.tempo_tags import bare_numbers, bpm_from_metadata, bpm_from_name
from tests.support.loopfiles import (
    add_acid_chunk,
    prepend_id3_tbpm,
    rename_ogg_comment,
    set_vorbis_comments,
    techno,
    write,
)


@pytest.mark.parametrize(
    ("name", "bpm"),
    [
        ("dark_loop_124bpm.wav", 124.0),
        ("Loop 124 BPM.flac", 124.0),
        ("124-bpm_kick.aif", 124.0),
        ("acid_128.5bpm.wav", 128.5),
        ("ACID_LOOP_130BPM_02.WAV", 130.0),
        ("loop_02_909_126bpm.wav", 126.0),
        ("jam bpm=127.wav", 127.0),
        ("some/dir/take3 BPM_132.flac", 132.0),
        ("kick_909.wav", None),
        ("2024-01-05 jam 128.wav", None),  # a bare number: only with the length (bare_numbers)
        ("loop_250bpm.wav", None),
        ("loop_45bpm.wav", None),
    ],
)
def test_bpm_from_name(name: str, bpm: float | None) -> None:
    assert bpm_from_name(name) == bpm


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("loop_drone_g_97.flac", [97.0]),
        ("kick_124_dark.wav", [124.0]),
        ("2024-01-05 jam 128.wav", [128.0]),
        ("pad (126.5).ogg", [126.5]),
        ("loop_02_909.wav", []),  # a take number and a drum machine
        ("a97b.wav", []),  # glued to letters: a model number, not a tempo
        ("loop_45.wav", []),
    ],
)
def test_bare_numbers(name: str, numbers: list[float]) -> None:
    assert bare_numbers(name) == numbers


def test_bpm_from_wav_flac_aiff_metadata(tmp_path: Path) -> None:
    loop = techno(126, 44_100)
    acid = write(tmp_path / "acid.wav", loop, 44_100, channels=2)
    add_acid_chunk(acid, 126.0)
    assert sf.info(acid).frames == len(loop)  # the chunk leaves the audio readable
    assert bpm_from_metadata(acid) == 126.0
    one_shot = write(tmp_path / "one_shot.wav", loop, 44_100)
    add_acid_chunk(one_shot, 126.0, flags=0x01)
    assert bpm_from_metadata(one_shot) is None
    for key in ("BPM", "tbpm", "TEMPO"):
        flac = write(tmp_path / f"{key}.flac", loop, 48_000)
        set_vorbis_comments(flac, "ARTIST=someone 140 BPM", f"{key}=131.5")
        assert sf.info(flac).frames == len(loop)
        assert bpm_from_metadata(flac) == 131.5
    assert bpm_from_metadata(write(tmp_path / "c.wav", loop, 44_100, comment="bpm=127")) == 127.0
    assert (
        bpm_from_metadata(write(tmp_path / "t.aiff", loop, 44_100, title="Groove 129 BPM")) == 129
    )
    spaced = write(tmp_path / "spaced.flac", loop, 44_100)
    set_vorbis_comments(spaced, "bpm = 128 BPM")
    assert bpm_from_metadata(spaced) == 128.0
    assert bpm_from_metadata(write(tmp_path / "plain.flac", loop, 44_100)) is None
    (tmp_path / "junk.wav").write_bytes(b"RIFF\xff\xff\xff\xffWAVEacid\x18\x00")
    assert bpm_from_metadata(tmp_path / "junk.wav") is None


def test_bpm_from_ogg_vorbis_comment(tmp_path: Path) -> None:
    loop = techno(128.5, 44_100)
    path = tmp_path / "tagged.ogg"
    with sf.SoundFile(path, "w", 44_100, 1, format="OGG", subtype="VORBIS") as f:
        f.genre = "128.5"  # libsndfile writes Genre=128.5; the test renames the key to TEMPO
        f.write(loop)
    assert bpm_from_metadata(path) is None  # a genre is no tempo
    rename_ogg_comment(path, b"Genre", b"TEMPO")
    assert sf.info(path).frames == len(loop)  # still a valid Ogg stream (CRCs fixed)
    assert bpm_from_metadata(path) == 128.5


@pytest.mark.skipif("MP3" not in sf.available_formats(), reason="this libsndfile has no MP3")
@pytest.mark.parametrize("version", [3, 4])
def test_bpm_from_mp3_id3_tbpm(tmp_path: Path, version: int) -> None:
    loop = techno(126, 44_100)
    path = tmp_path / "loop.mp3"
    sf.write(path, loop, 44_100, format="MP3", subtype="MPEG_LAYER_III")
    assert bpm_from_metadata(path) is None
    prepend_id3_tbpm(path, "126", version)
    assert sf.info(path).frames == len(loop)
    assert bpm_from_metadata(path) == 126.0
