"""The generator at run time: one seamless bar per request, onnxruntime + numpy only (no torch).

    gen = Generator.load(Path("models/default"))
    bar = gen.bar(BarRequest(bpm=124, concept=vec, steps=8, guidance=3.0, seed=7))
    nxt = gen.bar(BarRequest(bpm=124, concept=vec, seed=8, variation=0.2), prev_noise=bar.noise)

A bar at `bpm` is n = round(240/bpm · 24000) samples and T = round(n/hop) latent frames. The
sampler (`livegen.runtime.sampler`) runs `steps` guided UNet evaluations (cond + uncond as one
batch of 2) from the seed's noise. The latents are one period of a loop (the UNet is circular and
trained on circular bar latents, `livegen.training.unet.bars`); they are decoded with `circular_pad`
frames wrapped around each side, and the period of T·hop samples is the bar: seamless (seam jump
below the bar's 99th-percentile sample step). Whoever plays it fits that period to the bar's exact
length at the output rate (`fit_bar`, band-limited and periodic): one resampling from model to
speaker, absorbing both the rate change and the tempo's rounding to whole frames.
Same seed, same conditions, same machine: the same bar, bit for bit.

Stems (`Generator.load(..., stems=True)`: the package's "stem_generator" section): one UNet makes
the drums, bass and music latents of a bar jointly (stacked [3·D, T]), conditioned also on a key
(`BarRequest.key`; None = no key). The three are decoded as one batch; `Bar.stems` holds their
periods [3, T·hop] and `Bar.audio` their sum, as the corpus's mixes are made. A key whose mode the
model never trained on (the shipped corpus is in minor modes only) is played as its relative key
(C major → A minor: the same notes), and `Generator.key_played` says so. The bass stem then goes
through the key lock (`livegen.dsp.tune`, `BarRequest.key_lock`): its notes pulled onto the key's
scale, or onto the tempered grid without a key, because the UNet plays the right notes but not
in tune.

Seeds and variation: `seed` names fresh noise; with `prev_noise` (the `noise` of the bar before)
the x0 used is slerp(prev_noise, noise(seed), variation): 0 repeats the previous bar's noise, 1 is
the new seed's, in between moves smoothly. A caller that wants an evolving loop passes a new seed
per bar (e.g. seed + bar index) and its variation amount.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from livegen.control.keys import MODES, Key, key_vector
from livegen.dsp.resample import fit_bar
from livegen.dsp.tune import key_lock, note_costs
from livegen.runtime.codec import Codec
from livegen.runtime.lines import LINE_CHANNELS
from livegen.runtime.manifest import Manifest, ModelFileError, load_manifest
from livegen.runtime.sampler import (
    NOISE_FRAMES,
    PHASE_CHANNELS,
    interval_of,
    noise,
    phase_signal,
    sample,
    schedule,
    vary,
)
from livegen.runtime.session import create_session, provider
from livegen.units import bar_frames, bar_samples

Array = npt.NDArray[np.float32]
SECTION = "generator"
STEM_SECTION = "stem_generator"
MAX_STEPS = 256
MAX_GUIDANCE = 20.0


@dataclass(frozen=True)
class BarRequest:
    bpm: float
    concept: np.ndarray | None = None  # [D] L2-normalised concept vector; None = unconditional
    steps: int = 8
    guidance: float = 3.0
    seed: int = 0
    variation: float = 0.0  # 0..1, applied against `prev_noise`
    key: Key | None = None  # stem generators: the key to play in; None = no key
    key_guidance: float | None = None  # stem generators: the push to the key (None: the model's)
    # stem generators: the bass stem's notes pulled onto the key's scale, or onto the tempered
    # grid without a key (`livegen.dsp.tune`); False plays the bass as the model made it
    key_lock: bool = True


@dataclass(frozen=True)
class Bar:
    audio: np.ndarray  # float32 [T * hop] at 24 kHz: one seamless bar period (fit it to play it)
    noise: np.ndarray  # the x0 actually used, [D, T] (pass back as prev_noise for the next bar)
    gen_ms: float  # request to audio, this call
    stems: np.ndarray | None = None  # float32 [S, T * hop]: the stems' periods (audio = their sum)


@dataclass(frozen=True)
class GeneratorSpec:
    """What the manifest's "generator" section promises."""

    latent_dim: int
    concept_dim: int
    bpm_min: float
    bpm_max: float
    method: str
    schedule: str
    guide_bpm: bool = False  # the uncond branch also drops the tempo (guidance on BPM too)
    guide_key: bool = False  # the uncond branch also drops the key (stem generators)
    circular_pad: int = 4  # latent frames wrapped around each side before decoding
    stems: tuple[str, ...] = ()  # a stem generator's stems, stacked in x in this order
    key_dim: int = 0
    modes: tuple[str, ...] = MODES  # the modes its training keys covered
    key_guidance: float | None = None  # guide_key's own scale (None: the concept's w)
    # Guidance only on steps with α in [lo, hi); the rest run the conditional branch alone.
    guidance_interval: tuple[float, float] | None = None
    # The key's own push (key_guidance) only on steps with α in [lo, hi); the rest guide the
    # concept and key together with w (README "The stem generator"). None: every step.
    key_interval: tuple[float, float] | None = None
    # The UNet's own latent space (a stem generator's per-channel standardisation, manifest
    # "latent_scale"): its samples are x · std + mean in the codec's normalised space. None: same.
    scale: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)
    # A note line's rows follow the tempo's in the phase input (`runtime.lines`).
    line: bool = False

    @classmethod
    def from_section(cls, s: dict[str, Any], where: Path) -> GeneratorSpec:
        try:
            cfg, cond, smp = s["config"], s["conditioning"], s.get("sampler", {})
            lo, hi = cond["bpm_range"]
            spec = cls(
                int(cfg["latent_dim"]),
                int(cfg.get("concept_dim", 0)),
                float(lo),
                float(hi),
                str(smp.get("method", "euler")),
                str(smp.get("schedule", "uniform")),
                bool(smp.get("guide_bpm", False)),
                guide_key=bool(smp.get("guide_key", False)),
                stems=tuple(str(x) for x in s.get("stems", ())),
                key_dim=int(cfg.get("key_dim", 0)),
                modes=tuple(str(x) for x in s.get("modes", MODES)),
                key_guidance=_opt_float(smp.get("key_guidance")),
                guidance_interval=interval_of(smp.get("guidance_interval")),
                key_interval=interval_of(smp.get("key_guidance_interval")),
                scale=_scale(s.get("latent_scale"), int(cfg["latent_dim"])),
                line=bool(cfg.get("line", False)),
            )
            if spec.key_dim not in (0, len(key_vector(None))) or not set(spec.modes) <= set(MODES):
                raise ValueError("key input")
            rows = PHASE_CHANNELS + (LINE_CHANNELS if spec.line else 0)
            if int(cfg.get("phase_channels", PHASE_CHANNELS)) != rows:
                raise ValueError("phase channels")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: generator section incomplete ({exc!r})") from exc
        if spec.method not in ("euler", "ab2"):
            raise ModelFileError(f"{where}: generator sampler method {spec.method!r} unsupported")
        return spec


class OnnxDenoiser:
    """The UNet session behind the sampler's denoiser protocol; IO binding on CUDA."""

    def __init__(self, session: ort.InferenceSession):
        self.session = session
        self.names = [i.name for i in session.get_inputs()]
        self.cuda = provider(session) == "cuda"

    def __call__(self, x: Array, alpha: Array, cond) -> Array:
        feeds = {"x": x, "alpha": alpha, **cond}
        feeds = {k: np.ascontiguousarray(feeds[k], np.float32) for k in self.names}
        if not self.cuda:
            return self.session.run(None, feeds)[0]
        binding = self.session.io_binding()  # inputs copied once, output fetched once
        for name, value in feeds.items():
            binding.bind_cpu_input(name, value)
        binding.bind_output("d", "cpu")
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()[0]


class Generator:
    """UNet + sampler + codec decoder: `bar(request)` → one bar of audio. Use `Generator.load`.

    Args:
        spec: the generator section's promises.
        unet: ONNX session of the UNet.
        codec: the runtime codec (decoder and latent statistics).
    """

    def __init__(self, spec: GeneratorSpec, unet: ort.InferenceSession, codec: Codec):
        if codec.latent_dim * max(1, len(spec.stems)) != spec.latent_dim:
            raise ModelFileError(
                f"the UNet makes {spec.latent_dim}-d latents for {len(spec.stems) or 1} "
                f"stream(s), the codec takes {codec.latent_dim}"
            )
        self.spec = spec
        self.unet = unet
        self.codec = codec
        self.denoiser = OnnxDenoiser(unet)
        self._lock_mix = False  # `use_key_lock`

    @classmethod
    def load(
        cls,
        model_dir: Path,
        device: str = "auto",
        threads: int | None = None,
        manifest: Manifest | None = None,
        warm: bool = True,
        stems: bool = False,
    ) -> Generator:
        """Open the package's UNet (its stem generator with `stems`) and codec decoder (hashes
        verified) and warm them up."""
        manifest = manifest or load_manifest(Path(model_dir))
        where = manifest.root / "manifest.json"
        if stems and STEM_SECTION not in manifest.data:
            raise ModelFileError(
                f"{manifest.root}: this model has no stem generator (train one with "
                "`livegen train unet --preset stems-cpu` and export it into the package)"
            )
        section = manifest.section(STEM_SECTION if stems else SECTION)
        spec = GeneratorSpec.from_section(section, where)
        codec = Codec.load(
            manifest.root, device, threads, with_encoder=False, warm=False, manifest=manifest
        )
        unet = create_session(manifest.path(section["unet"]), device, threads)
        gen = cls(spec, unet, codec)
        if warm:
            gen.warm_up()
        return gen

    @property
    def sample_rate(self) -> int:
        return self.codec.sample_rate

    @property
    def concept_dim(self) -> int:
        return self.spec.concept_dim

    @property
    def provider(self) -> str:
        return provider(self.unet)

    @property
    def stems(self) -> tuple[str, ...]:
        """The stems a bar carries (empty for a mix generator)."""
        return self.spec.stems

    def use_key_lock(self, on: bool) -> None:
        """Whether `decode_period` (the evals' path, no key) tunes a stem generator's bass onto
        the tempered grid first, as `bar` does for a request without a key."""
        self._lock_mix = bool(on)

    def use_interval(self, interval: tuple[float, float] | None) -> None:
        """Guide only on steps with α in [lo, hi) from now on (None: the manifest's)."""
        if interval is not None:
            self.spec = replace(self.spec, guidance_interval=interval_of(interval))

    def use_key_interval(self, interval: tuple[float, float] | None) -> None:
        """Push to the key on its own scale only on steps with α in [lo, hi) from now on (None:
        the manifest's)."""
        if interval is not None:
            self.spec = replace(self.spec, key_interval=interval_of(interval))

    def key_played(self, key: Key | None) -> Key | None:
        """The key this model plays for `key`: itself, or its relative when the model never
        trained on that mode (same notes); None without a key or a key input."""
        if key is None or not self.spec.key_dim or key.mode in self.spec.modes:
            return key if self.spec.key_dim else None
        if key.mode == "major":
            return Key((key.root + 9) % 12, "minor")
        return Key((key.root + 3) % 12, "major")

    def warm_up(self) -> None:
        """One guided bar at mid tempo: first-run allocations happen now, not on stage."""
        mid = 0.5 * (self.spec.bpm_min + self.spec.bpm_max)
        concept = None
        if self.concept_dim:
            concept = np.zeros(self.concept_dim, np.float32)
            concept[0] = 1.0
        key = Key(0, self.spec.modes[0]) if self.spec.key_dim else None
        for _ in range(2):
            self.bar(BarRequest(bpm=mid, concept=concept, steps=2, guidance=2.0, key=key))

    # -- requests ------------------------------------------------------------------------------
    def check(self, req: BarRequest) -> Array | None:
        """Validate a request (ValueError with a readable message); the concept as float32."""
        lo, hi = self.spec.bpm_min, self.spec.bpm_max
        bpm = _number("bpm", req.bpm)
        if not lo <= bpm <= hi:
            raise ValueError(f"bpm {bpm:g} is outside the trained range {lo:g}-{hi:g}")
        if isinstance(req.steps, bool) or not isinstance(req.steps, int | np.integer):
            raise ValueError(f"steps must be an integer, got {req.steps!r}")
        if not 1 <= req.steps <= MAX_STEPS:
            raise ValueError(f"steps must be from 1 to {MAX_STEPS}, got {req.steps}")
        guidance = _number("guidance", req.guidance)
        if not 0.0 <= guidance <= MAX_GUIDANCE:
            raise ValueError(f"guidance must be from 0 to {MAX_GUIDANCE:g}, got {guidance:g}")
        if req.key_guidance is not None:
            wk = _number("key_guidance", req.key_guidance)
            if not 0.0 <= wk <= MAX_GUIDANCE:
                raise ValueError(f"key_guidance must be from 0 to {MAX_GUIDANCE:g}, got {wk:g}")
        variation = _number("variation", req.variation)
        if not 0.0 <= variation <= 1.0:
            raise ValueError(f"variation must be from 0 to 1, got {variation:g}")
        if isinstance(req.seed, bool) or not isinstance(req.seed, int | np.integer) or req.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {req.seed!r}")
        if req.key is not None and not isinstance(req.key, Key):
            raise ValueError(f"key must be a Key (control.keys.parse_key), got {req.key!r}")
        if req.concept is None:
            return None
        if not self.concept_dim:
            raise ValueError("this model has no concept conditioning: send no concept")
        c = np.asarray(req.concept, np.float32).reshape(-1)
        if c.shape != (self.concept_dim,):
            raise ValueError(f"concept must have {self.concept_dim} values, got {c.size}")
        norm = float(np.linalg.norm(c))
        if not math.isfinite(norm) or norm < 1e-6:
            raise ValueError("concept must be a finite, non-zero vector")
        return (c / norm).astype(np.float32)

    def bar(self, req: BarRequest, prev_noise: np.ndarray | None = None) -> Bar:
        """Generate one bar for `req` (see the module docstring for seeds and variation)."""
        t0 = time.perf_counter()
        concept = self.check(req)
        n = bar_samples(req.bpm, self.sample_rate)
        x0 = vary(
            prev_noise,
            noise(req.seed, self.spec.latent_dim, bar_frames(n, self.codec.hop)),
            float(req.variation),
        )
        key = self.key_played(req.key)
        z = self.latents(
            x0,
            n,
            concept,
            int(req.steps),
            float(req.guidance),
            key=key,
            key_guidance=req.key_guidance,
        )
        if not self.spec.stems:
            return Bar(self.decode_period(z), x0, (time.perf_counter() - t0) * 1e3)
        stems = self.decode_stems(z)
        if req.key_lock:
            stems = self.lock_stems(stems, key)
        return Bar(_mix(stems), x0, (time.perf_counter() - t0) * 1e3, stems)

    # -- the parts (also used by evaluation) ----------------------------------------------------
    def latents(
        self,
        x0: Array,
        n_samples: int,
        concept: Array | None,
        steps: int,
        guidance: float,
        bpm: bool = True,
        method: str | None = None,
        kind: str | None = None,
        guide_bpm: bool | None = None,
        key: Key | None = None,
        key_guidance: float | None = None,
        interval: tuple[float, float] | None = None,
        line: Array | None = None,
    ) -> Array:
        """Codec-normalised latents [D, T] of a bar of `n_samples` from noise x0 [D, T] (the UNet's
        own `latent_scale`, if any, undone).

        `bpm=False` drops the tempo (zero phase), as the model saw in condition dropout.
        Guidance contrasts the concept with none; with `guide_bpm` (default: the manifest's) the
        unconditional branch drops the tempo too, so w also pushes towards the requested BPM; a
        stem generator's `guide_key` (the manifest's) drops the key there, so w pushes towards the
        key (measured at 5,000 steps: the tonic asked for in 21 % of bars against 12 % without).
        `key_guidance` (default: the manifest's; None = w) pushes to the key on its own scale: a
        third branch keeps the concept and drops the key (see `sampler.guided`), on the steps in
        the manifest's `key_guidance_interval` (None: every step; `use_key_interval`). `interval`
        (default: the manifest's; None there = every step) limits guidance to α in [lo, hi).
        `line`: a note line's rows [LINE_CHANNELS, T] (`runtime.lines.line_rows`) for a model that
        takes one (None: no line, as its training's dropout).
        """
        t = x0.shape[-1]
        if t != bar_frames(n_samples, self.codec.hop) or t > NOISE_FRAMES:
            raise ValueError(
                f"noise has {t} frames, a bar of {n_samples} samples needs "
                f"{bar_frames(n_samples, self.codec.hop)}"
            )
        phase = phase_signal(t)[None]
        if self.spec.line:
            rows = np.zeros((LINE_CHANNELS, t), np.float32) if line is None else line
            if rows.shape != (LINE_CHANNELS, t):
                raise ValueError(f"line rows {rows.shape}, want ({LINE_CHANNELS}, {t})")
            phase = np.concatenate([phase, rows[None].astype(np.float32)], axis=1)
        elif line is not None:
            raise ValueError("this model takes no note line")
        if not bpm:
            phase = np.zeros_like(phase)
        cond: dict[str, np.ndarray] = {"phase": phase}
        uncond: dict[str, np.ndarray] | None = None
        partial: dict[str, np.ndarray] | None = None
        wk: float | None = None
        drop_bpm = self.spec.guide_bpm if guide_bpm is None else guide_bpm
        if drop_bpm and bpm:
            uncond = {"phase": np.zeros_like(phase)}
        if self.concept_dim:
            none = np.zeros((1, self.concept_dim), np.float32)
            cond["concept"] = none if concept is None else concept[None]
            if concept is not None or uncond is not None:
                uncond = {"phase": uncond["phase"] if uncond else phase, "concept": none}
        if self.spec.key_dim:
            cond["key"] = key_vector(key)[None]
            if key is not None and self.spec.guide_key and uncond is None:
                uncond = {k: v for k, v in cond.items() if k != "key"}
            if uncond is not None:  # with guide_key the uncond branch has no key: w pushes to it
                uncond["key"] = key_vector(None)[None] if self.spec.guide_key else cond["key"]
            wk = self.spec.key_guidance if key_guidance is None else key_guidance
            if key is not None and self.spec.guide_key and wk is not None and uncond is not None:
                partial = {**cond, "key": key_vector(None)[None]}
        x = sample(
            self.denoiser,
            x0[None],
            schedule(steps, kind or self.spec.schedule),
            cond,
            uncond,
            guidance,
            method or self.spec.method,
            partial,
            wk,
            interval or self.spec.guidance_interval,
            self.spec.key_interval,
        )
        if self.spec.scale is not None:
            mean, std = self.spec.scale
            return (x[0] * std[:, None] + mean[:, None]).astype(np.float32)
        return x[0]

    def decode_period(self, z: Array) -> Array:
        """Decode one bar's latents [D, T] as a loop and keep the period of T·hop samples (a stem
        generator's latents: the stems' sum; a mix's latents [codec D, T] decode as a mix with
        either generator)."""
        if self.spec.stems and z.shape[0] == self.spec.latent_dim:
            stems = self.decode_stems(z)
            return _mix(self.lock_stems(stems, None) if self._lock_mix else stems)
        return self._decode_loops(z[None])[0]

    def lock_stems(self, stems: Array, key: Key | None) -> Array:
        """The stems [S, n] with the bass's notes on `key`'s scale (the key played; None: the
        tempered grid), the others as they were (a chord cannot be re-tuned note by note); a
        model without a bass stem gets its stems back."""
        if "bass" not in self.spec.stems:
            return stems
        i = self.spec.stems.index("bass")
        costs = note_costs(None) if key is None else note_costs(key.root, key.mode)
        out = stems.copy()
        out[i] = key_lock(stems[i], self.sample_rate, costs)[0]
        return out

    def decode_stems(self, z: Array) -> Array:
        """A stem generator's latents [S·D, T] → the stems' periods [S, T·hop], one batch."""
        s, d = len(self.spec.stems), self.codec.latent_dim
        return self._decode_loops(z.reshape(s, d, z.shape[-1]))

    def _decode_loops(self, z: Array) -> Array:
        """Latents [B, D, T], each one loop's period, decoded with `circular_pad` frames wrapped
        around each side; the periods [B, T·hop]."""
        t = z.shape[-1]
        p = min(self.spec.circular_pad, t)
        wrapped = np.concatenate([z[..., t - p :], z, z[..., :p]], axis=-1) if p else z
        y = self.codec.decode(wrapped)
        return np.ascontiguousarray(y[:, p * self.codec.hop : (p + t) * self.codec.hop])

    def decode_bar(self, z: Array, n_samples: int) -> Array:
        """The period (`decode_period`) resampled to exactly `n_samples` at the model's rate (for
        evaluation against corpus loops of that length; playback fits the period itself)."""
        return fit_bar(self.decode_period(z), n_samples)


def _mix(stems: Array) -> Array:
    """The sum of stems [S, n], in stem order (as the corpus sums its mixes)."""
    audio = stems[0].copy()
    for s in stems[1:]:
        audio += s
    return audio


def _number(name: str, value: Any) -> float:
    """`value` as a finite float, or a ValueError naming the field."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def _scale(section: Any, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A manifest's "latent_scale" as (mean, std) [dim] float32; None when absent."""
    if section is None:
        return None
    mean = np.asarray(section["mean"], np.float32)
    std = np.asarray(section["std"], np.float32)
    if mean.shape != (dim,) or std.shape != (dim,):
        raise ValueError(f"latent_scale: mean and std must have latent_dim={dim} values")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std > 0)):
        raise ValueError("latent_scale: finite values and a positive std")
    return mean, std


def _opt_float(value: Any) -> float | None:
    """A manifest's optional number (None stays None)."""
    return None if value is None else float(value)
