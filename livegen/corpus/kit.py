"""A drum kit of recorded one-shots for the corpus (`livegen corpus make --kit DIR`). numpy only.

Each file in the folder (any format libsndfile reads) is assigned a voice: kick, clap, snare,
hats, rim or perc, from two cues:
- the name: the words sample packs use ("bd_", "kick", "sd", "snare", "cp", "clap", "hh",
  "cymbal", "rim", "sidestick", "tom", "conga", "cowbell", ...);
- the sound: low-band share (< 150 Hz), spectral centroid, spectral flatness (noise or tone) and
  decay time (to -30 dB) of the first 0.8 s. Kicks are mostly low band; hats are bright noise;
  snares and claps are mid-band noise, snares with a tonal body below 400 Hz; rims are short
  clicks; the rest (toms, congas, cowbells, blips) is percussion.
Name and sound agreeing decides with confidence 1; a name alone (the sound unsure, or pointing
elsewhere: reported) decides with 0.7; the sound alone with its margin. Hats shorter than 150 ms
play the closed-hat patterns, longer ones the open-hat patterns (one kind stands in for both).

In a loop a recorded hit replaces the synthesised one at the same steps and velocities, at the
synthesised hit's peak level (the synthesiser still draws its hit, so every other instrument of
the loop is the one the same seed makes without a kit). Voices the kit lacks stay synthesised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from livegen.corpus.importer import AUDIO_EXTENSIONS, to_model_rate
from livegen.units import SAMPLE_RATE

VOICES = ("kick", "clap", "snare", "hats", "rim", "perc")
VOICE_OF = {"kick": "kick", "clap": "clap", "snare": "snare", "closed_hat": "hats",
            "open_hat": "hats", "rim": "rim", "perc": "perc"}  # fmt: skip
NAME_CUES = (  # first match wins: "drum_bass" is a kick, "snare" beats "drum"
    ("hats", r"hi-?hats?|hh|hat|cymbal|ride|crash|splash|shaker|tick"),
    ("clap", r"claps?|cp|handclap"),
    ("rim", r"rims?|rimshot|sidestick|stick"),
    ("snare", r"snares?|sd|snr"),
    ("kick", r"kicks?|bd|kck"),
    ("perc", r"toms?|congas?|bongos?|cowbell|perc\w*|clave|wood|block|tabla|tamb\w*|triangle|bell"),
)
MAX_SECONDS = 3.0  # longer than any drum hit: a loop or a pad (import loops with `corpus import`)
SILENT_PEAK = 1e-3
KEEP_SECONDS = 0.8  # longer tails are faded out here: they would wrap over the whole bar
OPEN_HAT_DECAY = 0.15


@dataclass
class Shot:
    path: str
    voice: str
    cue: str  # "both", "name", "sound"
    confidence: float
    audio: np.ndarray  # float64 [n] at the corpus rate, trimmed, peak 1
    decay_s: float
    note: str = ""


@dataclass
class Kit:
    """The one-shots by voice, and a line for every file looked at."""

    root: str
    shots: dict[str, list[Shot]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def voices(self) -> list[str]:
        return [v for v in VOICES if self.shots.get(v)]

    def pick(self, name: str, rng: np.random.Generator) -> Shot | None:
        """A one-shot for instrument `name` (closed hats prefer short hats, open hats long)."""
        shots = self.shots.get(VOICE_OF.get(name, ""), [])
        if name in ("closed_hat", "open_hat"):
            want_open = name == "open_hat"
            fit = [s for s in shots if (s.decay_s >= OPEN_HAT_DECAY) == want_open]
            shots = fit or shots
        return shots[int(rng.integers(len(shots)))] if shots else None

    def report(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "assigned": [
                {
                    "file": s.path,
                    "voice": s.voice,
                    "cue": s.cue,
                    "confidence": round(s.confidence, 2),
                    "decay_ms": round(1e3 * s.decay_s),
                    **({"note": s.note} if s.note else {}),
                }
                for v in VOICES
                for s in self.shots.get(v, [])
            ],
            "synthesised": [v for v in VOICES if not self.shots.get(v)],
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
        }


def voice_by_name(path: Path) -> str | None:
    """The voice a file's name says, if any ("kick01" → kick, "drum_cymbal_closed" → hats)."""
    joined = "_".join(re.findall(r"[a-z]+", path.stem.lower()))  # digits split words: kick01
    if re.search(r"drum_bass|bass_drum|bassdrum", joined):
        return "kick"
    words = joined.split("_")
    for voice, pattern in NAME_CUES:
        if any(re.fullmatch(pattern, w) for w in words):
            return voice
    return None


def features(audio: np.ndarray, rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Low-band share, centroid (Hz), flatness (0 tone … 1 noise), low-mid share, decay (s)."""
    x = audio[: int(KEEP_SECONDS * rate)]
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=max(4096, len(x)))) ** 2 + 1e-20
    freqs = np.fft.rfftfreq(max(4096, len(x)), 1 / rate)
    total = spec.sum()
    env = np.maximum.accumulate(np.abs(x)[::-1])[::-1]  # the tail's envelope, never rising
    below = env < 10 ** (-30 / 20) * env[0]
    decay = float(np.argmax(below)) / rate if below.any() else len(x) / rate
    band = (freqs > 100) & (freqs < 10_000)
    flat = float(np.exp(np.mean(np.log(spec[band]))) / np.mean(spec[band]))
    return {
        "low": float(spec[freqs < 150].sum() / total),
        "lowmid": float(spec[(freqs >= 150) & (freqs < 400)].sum() / total),
        "centroid": float((freqs * spec).sum() / total),
        "flatness": flat,
        "decay": decay,
    }


def voice_by_sound(f: dict[str, float]) -> tuple[str, float]:
    """The voice the features point to, and a margin in 0..1 (how clearly). Tuned on Debian's
    named one-shots (sonic-pi-samples, lmms-common): low toms sound like kicks here, and a
    sound alone cannot tell them apart, so the name wins where there is one."""
    if f["low"] > 0.45 and f["centroid"] < 1200:
        return "kick", min(1.0, 0.5 + 2 * (f["low"] - 0.45))
    if f["centroid"] > 5500 or (f["centroid"] > 4000 and f["flatness"] > 0.4):
        return "hats", min(1.0, 0.5 + (f["centroid"] - 4000) / 6000)
    if f["decay"] < 0.06 and f["flatness"] < 0.3:
        return "rim", 0.5
    if f["flatness"] > 0.08 and 600 < f["centroid"] <= 5500 and f["lowmid"] > 0.2:
        return "snare", 0.5
    if f["flatness"] > 0.12 and 1500 < f["centroid"] <= 5500:
        return "clap", 0.5
    return "perc", 0.4


def load_one(path: Path, root: Path) -> Shot | str:
    """The one-shot in `path`, or why it cannot be one."""
    try:
        audio, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as exc:  # libsndfile says why in its own words
        return f"unreadable ({str(exc).splitlines()[0][:80]})"
    if len(audio) == 0 or not np.isfinite(audio).all():
        return "empty or not finite"
    if len(audio) > MAX_SECONDS * rate:
        return f"{len(audio) / rate:.1f} s long: not a one-shot (loops go through `corpus import`)"
    mono = to_model_rate(audio, rate, periodic=False).astype(np.float64)
    peak = float(np.max(np.abs(mono)))
    if peak < SILENT_PEAK:
        return "silent"
    start = int(np.argmax(np.abs(mono) > 0.05 * peak))  # the hit, not the silence before it
    mono = mono[start : start + int(KEEP_SECONDS * SAMPLE_RATE)] / peak
    fade = min(len(mono) // 4, int(0.03 * SAMPLE_RATE))
    if fade:
        mono[-fade:] *= np.linspace(1.0, 0.0, fade)
    f = features(mono)
    by_sound, margin = voice_by_sound(f)
    by_name = voice_by_name(path)
    rel = str(path.relative_to(root))
    if by_name is None:
        return Shot(rel, by_sound, "sound", margin, mono, f["decay"])
    if by_name == by_sound or {by_name, by_sound} <= {"snare", "clap"}:
        return Shot(rel, by_name, "both", 1.0, mono, f["decay"])
    note = f"the sound suggests {by_sound}"
    return Shot(rel, by_name, "name", 0.7, mono, f["decay"], note)


def load_kit(root: Path) -> Kit:
    """Every audio file under `root` (recursive), assigned or skipped with a reason. Files that
    are not audio by their extension (a Hydrogen kit's drumkit.xml, a readme) are not listed."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"--kit {root}: not a folder of one-shots")
    kit = Kit(str(root))
    files = (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
    for path in sorted(files):
        got = load_one(path, root)
        if isinstance(got, str):
            kit.skipped.append((str(path.relative_to(root)), got))
        else:
            kit.shots.setdefault(got.voice, []).append(got)
    if not kit.voices():
        raise ValueError(f"--kit {root}: no usable one-shot ({len(kit.skipped)} files skipped)")
    return kit


def table(kit: Kit) -> str:
    """What was assigned, for the terminal."""
    lines = [f"kit {kit.root}:"]
    for v in VOICES:
        shots = kit.shots.get(v, [])
        names = ", ".join(
            f"{s.path}" + (f" ({s.cue})" if s.cue != "both" else "") for s in shots[:6]
        )
        more = f" +{len(shots) - 6}" if len(shots) > 6 else ""
        lines.append(f"  {v:<6} {len(shots):>3}  {names or 'synthesised (none in the kit)'}{more}")
    if kit.skipped:
        lines.append(
            f"  skipped {len(kit.skipped)}: " + "; ".join(f"{f}: {r}" for f, r in kit.skipped[:5])
        )
    return "\n".join(lines)
