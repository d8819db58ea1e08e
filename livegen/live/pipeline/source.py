"""Where bars come from: the small `BarSource` protocol the scheduler programs against.

The scheduler needs one thing from a model: "render one bar of 24 kHz audio for this request, and
say how long it took". `GeneratorSource` wraps the ONNX `livegen.runtime.generator.Generator`
(imported lazily: the daemon starts without it for `--source loops`), `LoopSource` plays corpus
loops stretched to the clock's tempo (no model: demos, benchmarks, tests), and `Delayed` makes any
source deliberately slow (fault tests, the benchmark's slow-model row).

Stems: a source whose `stems` names are not empty (a stem generator, `LoopSource(stems=True)`)
renders each bar's stems too (`Rendered.stems`, [stems, n], summing to `audio`); the producer
then queues them as the bar's layers. `keys` says whether `BarSpec.key` (and its
`key_guidance` and `key_lock`) means anything to it; a keyed source's `key_guidance` is the
model's own push.

A source is called from the producer thread only, one bar at a time; `render` may take long (it is
the generation), but must not touch the audio callback's state.
"""

from __future__ import annotations

import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from livegen.control.commands import STEMS
from livegen.control.keys import Key
from livegen.units import SAMPLE_RATE

SEED_LIMIT = 2**31  # seeds are 0..2^31 - 1 (the OSC range); seed + bar wraps inside it


@dataclass(frozen=True, eq=False)
class BarSpec:
    """What to render for one bar: the scheduler's snapshot of the session and the clock.

    Args:
        bar: song bar (0-based) the audio is for.
        bpm: the tempo the clock predicts for that bar (from its exact start and end).
        prompts: the text prompts (text, weight) the concept was made from (for logs and
            model-free sources).
        concept: the mixed concept vector [D] (None: unconditioned, or no conditioner).
        steps, guidance, seed, variation: the sampler settings (see docs/osc.md).
        key: the key to play in (None: none; sources without a key input ignore it).
        key_guidance: the push to the key (None: the model's own; ignored as `key` is).
        key_lock: the bass stem's notes pulled onto the key's scale, or the tempered grid
            without a key (ignored as `key` is).
    """

    bar: int
    bpm: float
    prompts: tuple[tuple[str, float], ...] = ()
    concept: np.ndarray | None = None
    steps: int = 8
    guidance: float = 3.0
    seed: int = 0
    variation: float = 0.0
    key: Key | None = None
    key_guidance: float | None = None
    key_lock: bool = True


@dataclass(frozen=True, eq=False)
class Rendered:
    """One rendered bar.

    Args:
        audio: float32 [n] at the source's `sample_rate`: one seamless bar period at `spec.bpm`
            (any length near the bar's: the producer fits it to the clock's bar, once).
        gen_ms: wall time the source spent on it.
        state: what the source needs to continue from this bar (the generator's noise); the
            scheduler passes the last *committed* bar's `Rendered` back as `previous`.
        stems: float32 [stems, n], the source's `stems` in order, summing to `audio` (None:
            a source without stems).
    """

    audio: np.ndarray
    gen_ms: float
    state: Any = field(default=None)
    stems: np.ndarray | None = None


@runtime_checkable
class BarSource(Protocol):
    """What the daemon needs from a model."""

    sample_rate: int

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        """One bar for `spec`, continuing from `previous` (the bar that plays before it)."""
        ...

    def warm_up(self) -> None:
        """Create sessions and run them once, so the first real bar is not slow."""
        ...


class GeneratorSource:
    """The trained generator (`livegen.runtime.generator.Generator`) as a `BarSource`.

    Args:
        generator: a loaded `Generator` (anything with `.sample_rate` and
            `.bar(BarRequest, prev_noise) -> Bar(audio, noise, gen_ms)`).
    """

    def __init__(self, generator: Any) -> None:
        from livegen.runtime.generator import BarRequest

        self._request = BarRequest
        self.generator = generator
        self.sample_rate = int(generator.sample_rate)
        self.concept_dim = int(getattr(generator, "concept_dim", 0))
        spec = getattr(generator, "spec", None)
        self.bpm_range = (
            float(getattr(spec, "bpm_min", 20.0)),
            float(getattr(spec, "bpm_max", 400.0)),
        )
        self.warm = False  # `Generator.load` warms up already
        self.stems: tuple[str, ...] = tuple(getattr(generator, "stems", ()))
        self.keys = bool(getattr(spec, "key_dim", 0))
        self.key_guidance: float | None = getattr(spec, "key_guidance", None)

    @classmethod
    def load(
        cls, model_dir: Path, device: str = "auto", threads: int | None = None, stems: bool = False
    ) -> Any:
        """The package's generator (its stem generator with `stems`: ModelFileError if none)."""
        from livegen.runtime.generator import Generator

        source = cls(Generator.load(model_dir, device=device, threads=threads, stems=stems))
        source.warm = True
        return source

    def key_played(self, key: Key | None) -> Key | None:
        """The key the model plays for `key` (`Generator.key_played`)."""
        played = getattr(self.generator, "key_played", None)
        return played(key) if played is not None else None

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        # Outside the trained tempo range the model renders the nearest tempo it knows and the
        # fit stretches it to the clock's bar (a little pitch shift, never a refused bar).
        lo, hi = self.bpm_range
        request = self._request(
            bpm=min(max(float(spec.bpm), lo), hi),
            concept=spec.concept,
            steps=int(spec.steps),
            guidance=float(spec.guidance),
            seed=(int(spec.seed) + spec.bar) % SEED_LIMIT,  # fresh noise per bar, as render
            variation=float(spec.variation),
            key=spec.key if self.keys else None,
            key_guidance=spec.key_guidance if self.keys else None,
            key_lock=spec.key_lock if self.keys else True,  # True: BarRequest's default
        )
        bar = self.generator.bar(request, None if previous is None else previous.state)
        stems = getattr(bar, "stems", None)
        return Rendered(
            np.asarray(bar.audio, np.float32),
            float(bar.gen_ms),
            bar.noise,
            None if stems is None else np.asarray(stems, np.float32),
        )

    def warm_up(self) -> None:
        if not self.warm:
            self.generator.warm_up()
            self.warm = True


class LoopSource:
    """Corpus loops (`livegen.corpus.loop.make_loop`) stretched to the requested tempo: no model.

    The loop is chosen from the prompt text and seed (the same prompt and seed give the same
    loop); with `variation` ≥ 0.5 every bar draws a new one. Stretching is band-limited
    resampling of the whole period (`fit_bar`), so the pitch follows the tempo, as a turntable.

    Args:
        corpus_seed: which synthetic corpus the loops come from.
        cache: loops kept rendered (one costs ~20-30 ms to synthesise).
        stems: render the loops' stems too (drums, bass, music: the corpus's own).
    """

    sample_rate = SAMPLE_RATE
    keys = False

    def __init__(self, corpus_seed: int = 0, cache: int = 32, stems: bool = False) -> None:
        self.corpus_seed = corpus_seed
        self._cache: OrderedDict[int, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
        self._size = cache
        self.stems: tuple[str, ...] = tuple(STEMS) if stems else ()
        # Imported here, not in the warm-up: the synthesiser's imports (scipy.signal, ~1 s) then
        # overlap the concept encoder's loading (`serve.load_models`).
        from livegen.corpus.loop import make_loop

        self._make_loop = make_loop

    def index_for(self, spec: BarSpec) -> int:
        text = "|".join(f"{t}:{w:g}" for t, w in spec.prompts)
        index = zlib.crc32(f"{text}#{spec.seed}".encode()) % 100_000
        return index + (spec.bar if spec.variation >= 0.5 else 0)

    def loop(self, index: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Loop `index`'s mix [n] and, with `stems`, its stems [stems, n]."""
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        loop = self._make_loop(self.corpus_seed, index)
        stems = np.stack([loop.stems[s] for s in self.stems]) if self.stems else None
        self._cache[index] = (loop.audio.astype(np.float32), stems)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return self._cache[index]

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        t0 = time.perf_counter()  # the producer's fit does the stretching: one resampling
        audio, stems = self.loop(self.index_for(spec))
        return Rendered(audio, (time.perf_counter() - t0) * 1e3, stems=stems)

    def warm_up(self) -> None:
        self.render(BarSpec(0, 124.0), None)


class Delayed:
    """A deliberately slow source: `inner` plus `delay(spec)` seconds of sleep per bar.

    Args:
        inner: the source that renders.
        delay: seconds to add, a constant or a function of the spec (e.g. slow only some bars).
        sleep: the sleep function (virtual time in tests).
    """

    def __init__(
        self,
        inner: BarSource,
        delay: float | Callable[[BarSpec], float],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.sample_rate = inner.sample_rate
        self.stems: tuple[str, ...] = tuple(getattr(inner, "stems", ()))
        self.keys = bool(getattr(inner, "keys", False))
        self.key_guidance: float | None = getattr(inner, "key_guidance", None)
        self._delay = delay if callable(delay) else (lambda _spec, d=float(delay): d)
        self._sleep = sleep

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        extra = max(0.0, float(self._delay(spec)))
        self._sleep(extra)
        out = self.inner.render(spec, previous)
        return Rendered(out.audio, out.gen_ms + extra * 1e3, out.state, out.stems)

    def warm_up(self) -> None:
        self.inner.warm_up()
