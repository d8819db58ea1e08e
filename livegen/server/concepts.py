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


class ConceptWorker:
    """Args:
    conditioner: a `livegen.concept.Conditioner`, or None (no concept vectors).
    """

    def __init__(self, conditioner: Any | None) -> None:
        self.conditioner = conditioner
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
        if self.conditioner is None:
            return ConceptResult(request, None, morph_vectors=tuple(None for _ in steps))
        try:
            from livegen.concept.base import AudioPrompt, TextPrompt
            from livegen.concept.text import define

            words = dict(request.words)
            audio = None
            if request.audio_prompt is not None:
                audio = self._audio(*request.audio_prompt, AudioPrompt)

            def embed(mix: tuple[tuple[str, float], ...]) -> Any:
                prompts: list[Any] = [TextPrompt(define(t, words), w) for t, w in mix]
                assert self.conditioner is not None
                return self.conditioner.embed_prompts(prompts + ([audio] if audio else []))

            mixed = embed(request.prompts)
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
        import soundfile as sf

        file = Path(path)
        if not file.is_file():
            raise FileNotFoundError(f"no such audio file: {path}")
        info = sf.info(str(file))
        if info.duration > 60:
            raise ValueError(f"{path} is {info.duration:.0f} s long; at most 60 s")
        audio, rate = sf.read(str(file), dtype="float32", always_2d=False)
        return prompt_type(audio, int(rate), weight, key=str(file.resolve()))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                request, self._latest = self._latest, None
            if request is not None and not self._stop.is_set():
                self._results.append(self.embed_now(request))
