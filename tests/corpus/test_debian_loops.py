"""`corpus import` on the 40 real loops Debian ships (sonic-pi-samples, lmms-common).

Installed by scripts/setup.sh; the loops carry no tempo tags, so the name and the audio (with
the length as a prior) must find tempos at which every file is whole bars.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from livegen.corpus.importer import ImportReport, import_loops
from livegen.units import bar_count

SONIC_PI = Path("/usr/share/sonic-pi/samples")
LMMS = Path("/usr/share/lmms/samples")


def debian_loops() -> list[Path]:
    return sorted(SONIC_PI.glob("loop_*.flac")) + sorted(
        p for kind in ("beats", "bassloops") for p in (LMMS / kind).glob("*.ogg")
    )


pytestmark = pytest.mark.skipif(
    len(debian_loops()) != 40,
    reason="needs the Debian packages sonic-pi-samples and lmms-common (scripts/setup.sh)",
)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    src = tmp_path_factory.mktemp("debian_loops")
    for path in debian_loops():
        (src / path.name).symlink_to(path)
    out = tmp_path_factory.mktemp("debian_corpus")
    return out, import_loops(src, out, progress=False)


def entries(out: Path) -> dict[str, dict[str, Any]]:
    saved = json.loads((out / "import_report.json").read_text())
    return {Path(f["path"]).name: f for f in saved["files"]}


def test_debian_loops_import_as_whole_bars(imported: tuple[Path, ImportReport]) -> None:
    out, report = imported
    files = entries(out)
    assert len(files) == 40  # every file has its line in the report
    done = {name: f for name, f in files.items() if f["status"] == "imported"}
    assert len(done) >= 36
    for name, f in done.items():
        bars = bar_count(sf.info(f["path"]).duration, f["bpm"])  # from the file, not the report
        nearest = 0.5 if bars < 0.75 else round(bars)
        assert abs(bars - nearest) <= 0.02 * nearest, (name, f["bpm"], bars)
        assert f["cue"] and 0.2 <= f["confidence"] <= 1.0 and f["why"], name
    # none refused for its format; a refusal says what the user can do about it
    for name, f in files.items():
        if f["status"] == "refused":
            assert f["reason"].startswith("unknown tempo"), (name, f["reason"])
            assert "--min-confidence" in f["reason"] and "file name" in f["reason"]
    assert sum(len(f["loops"]) for f in done.values()) == len(report.imported)


def test_debian_loops_known_tempos(imported: tuple[Path, ImportReport]) -> None:
    files = entries(imported[0])
    bpm = {name: f["bpm"] for name, f in files.items() if f["status"] == "imported"}
    # The cases: 8.0 s and 10.67 s four-bar loops (once taken at 160 and 120 BPM), and
    # the seven refused loops that are whole bars at 97 BPM.
    assert bpm["loop_garzul.flac"] == bpm["loop_mika.flac"] == 120.0
    assert bpm["loop_tabla.flac"] == pytest.approx(89.94, abs=0.01)
    ninety_seven = ["drone_g_97", "electric", "mehackit1", "mehackit2", "perc1", "perc2", "weirdo"]
    assert [bpm[f"loop_{n}.flac"] for n in ninety_seven] == [97.0] * 7
    assert files["loop_drone_g_97.flac"]["cue"] == "name+length"  # a drone: the name tells
    assert bpm["loop_amen.flac"] == pytest.approx(136.88, abs=0.01)
    assert bpm["909beat01.ogg"] == pytest.approx(121.46, abs=0.01)
    assert bpm["tb303_01.ogg"] == pytest.approx(124.74, abs=0.01)
    assert files["loop_industrial.flac"]["bars_in_file"] == 0.5  # tiled into a whole bar
