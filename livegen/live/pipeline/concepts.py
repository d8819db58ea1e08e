"""Prompt embedding off the audio and control threads: a worker that turns prompts into a vector.

The control thread `submit`s each new prompt set (text prompts and the optional audio prompt);
the worker embeds only the latest one (a performer typing fast does not queue work), through the
conditioner's own LRU caches (a prompt used before costs nothing), and leaves the result for the
control thread to `collect`. Reading an audio prompt from disk happens here too, and so does
reading the performer's own words into the prompts (`text.define`).

Without a conditioner (`--source loops`, or no concept model) every request is ready at once
with no vector.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from livegen.control.morph import PromptMorph


@dataclass(frozen=True)
class ConceptRequest:
    """Prompts to embed; `ticket` numbers requests so stale results can be told apart."""

    ticket: int
    prompts: tuple[tuple[str, float], ...]
    audio_prompt: tuple[str, float] | None
    sender: tuple[str, int] | None = None
    morph: PromptMorph | None = None  # also embed each of its steps (k = 0..bars)
    words: tuple[tuple[str, str], ...] = ()  # the performer's own words, read before embedding


@dataclass(frozen=True, eq=False)
class ConceptResult:
    request: ConceptRequest
    vector: np.ndarray | None
    unknown_words: tuple[str, ...] = ()
    error: str | None = None  # a reason for the sender (/livegen/error); nothing changes then
    ms: float = 0.0
    morph_vectors: tuple[np.ndarray | None, ...] = ()  # per morph step, when asked for


SILENT = 1e-5  # peak below -100 dBFS: an audio prompt with nothing in it
MAX_SECONDS = 60.0


def read_audio_prompt(path: str) -> tuple[np.ndarray, int]:
    """(samples, rate) of an audio prompt file; ValueError/FileNotFoundError saying what is wrong."""
    import soundfile as sf

    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"no such audio file: {path}")
    if file.is_dir():
        raise ValueError(f"{path} is a directory, not an audio file")
    if not file.is_file():
        kind = "a device" if file.is_char_device() or file.is_block_device() else "not a file"
        raise ValueError(f"{path} is {kind}, not an audio file")
    try:
        info = sf.info(str(file))
        if info.duration > MAX_SECONDS:
            raise ValueError(f"{path} is {info.duration:.0f} s long; at most {MAX_SECONDS:.0f} s")
        audio, rate = sf.read(str(file), dtype="float32", always_2d=False)
    except (RuntimeError, OSError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise ValueError(f"cannot read {path} as audio ({exc})") from None
    if audio.size == 0:
        raise ValueError(f"{path} holds no samples")
    if not np.isfinite(audio).all():
        raise ValueError(f"{path} has NaN or infinite samples")
    if float(np.abs(audio).max()) < SILENT:
        raise ValueError(f"{path} is silent")
    return audio, int(rate)


class ConceptWorker:
    """Args:
    conditioner: a `livegen.runtime.concept.Conditioner`, or None (no concept vectors).
    """

    def __init__(self, conditioner: Any | None) -> None:
        self.conditioner = conditioner
        # Set when a result is ready: the daemon's control thread waits on it (with its other
        # wake-ups), so a result is applied at once rather than at the next 20 ms poll.
        self.notify = threading.Event()
        self._latest: ConceptRequest | None = None
        self._results: deque[ConceptResult] = deque()
        self._lock = threading.Lock()  # the control and worker threads only, never the callback
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="livegen-concept", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def submit(self, request: ConceptRequest) -> None:
        """Replace any request not started yet with this one."""
        with self._lock:
            self._latest = request
        self._wake.set()

    def embed_now(self, request: ConceptRequest) -> ConceptResult:
        """Embed in the caller's thread (startup: the first bar needs it anyway)."""
        import time

        t0 = time.perf_counter()
        steps = () if request.morph is None else range(request.morph.bars + 1)
        try:
            from livegen.runtime.concept.base import AudioPrompt, TextPrompt
            from livegen.runtime.concept.text import define

            words = dict(request.words)
            audio = None
            if request.audio_prompt is not None:
                audio = self._audio(*request.audio_prompt, AudioPrompt)
            if self.conditioner is None:
                return ConceptResult(request, None, morph_vectors=tuple(None for _ in steps))

            def embed(mix: tuple[tuple[str, float], ...]) -> Any:
                prompts: list[Any] = [TextPrompt(define(t, words), w) for t, w in mix]
                assert self.conditioner is not None
                return self.conditioner.embed_prompts(prompts + ([audio] if audio else []))

            mixed = embed(request.prompts)
            vector = None if mixed.vector is None else np.asarray(mixed.vector)
            if vector is not None and (not np.isfinite(vector).all() or not vector.any()):
                raise ValueError("the prompts make no usable concept (not finite, or zero)")
            # a morph's steps mix the same texts again: the conditioner's cache makes them cheap
            morph = request.morph
            vectors = tuple(embed(morph.at_step(k)).vector for k in steps) if morph else ()
        except Exception as exc:  # unreadable file, weights that cancel: tell the sender
            return ConceptResult(request, None, error=f"{type(exc).__name__}: {exc}")
        ms = (time.perf_counter() - t0) * 1e3
        return ConceptResult(request, mixed.vector, tuple(mixed.unknown_words), ms=ms,
                             morph_vectors=vectors)  # fmt: skip

    def collect(self) -> list[ConceptResult]:
        out = []
        while self._results:
            out.append(self._results.popleft())
        return out

    @staticmethod
    def _audio(path: str, weight: float, prompt_type: Any) -> Any:
        """The audio prompt, read and checked where it enters: a file that is not there, not a
        regular file, unreadable, longer than 60 s, not finite or silent is refused with a
        reason, and the prompt before it stays. The embedding is cached by content (the
        conditioner hashes the samples), so a file overwritten and sent again is read anew."""
        return prompt_type(*read_audio_prompt(path), weight, key=None)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                request, self._latest = self._latest, None
            if request is not None and not self._stop.is_set():
                self._results.append(self.embed_now(request))
                self.notify.set()
