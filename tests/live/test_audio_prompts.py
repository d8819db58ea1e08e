"""Issue #17 items 3, 7, 9: audio prompts are checked where they enter (there, a regular file,
readable, finite, not silent) and refused with a reason, the prompt before them kept; their
embeddings are cached by content, so a file overwritten and sent again is embedded anew.
(Before: a NaN or silent file was accepted and every bar then failed on a NaN concept; an
overwritten file kept its old embedding; a directory was "no such audio file".)"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from livegen.live.pipeline.concepts import ConceptRequest, ConceptWorker
from livegen.runtime.concept.base import AudioPrompt, LRUCache, PromptMixer

RATE = 24_000


class MeanConditioner(PromptMixer):
    """A conditioner whose audio embedding is the file's mean level (an inspectable vector)."""

    dim = 2

    def __init__(self) -> None:
        self.audio_cache = LRUCache(16)
        self.embedded = 0

    def _embed_audio(self, x, sample_rate):
        self.embedded += 1
        return np.array([1.0, float(np.mean(x))], np.float32)

    def embed_text(self, text):  # pragma: no cover - these tests send audio only
        raise AssertionError


def request(path, ticket=1) -> ConceptRequest:
    return ConceptRequest(ticket, (), (str(path), 1.0))


def tone(level: float) -> np.ndarray:
    return level * np.sin(np.linspace(0, 200, RATE)).astype(np.float32) + level


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (np.full(RATE, np.nan, np.float32), "NaN or infinite"),
        (np.zeros(RATE, np.float32), "silent"),
    ],
)
@pytest.mark.parametrize("conditioner", [None, "mean"])
def test_nan_and_silent_files_are_refused(tmp_path, content, reason, conditioner):
    path = tmp_path / "ref.wav"
    sf.write(path, content, RATE, subtype="FLOAT")
    worker = ConceptWorker(MeanConditioner() if conditioner else None)
    result = worker.embed_now(request(path))
    assert result.error is not None and reason in result.error and result.vector is None


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/dev/zero", "is a device"), ("DIR", "is a directory"), ("missing.wav", "no such audio")],
)
def test_what_is_not_an_audio_file_says_what_it_is(tmp_path, path, reason):
    path = tmp_path if path == "DIR" else tmp_path / path if path == "missing.wav" else path
    result = ConceptWorker(MeanConditioner()).embed_now(request(path))
    assert result.error is not None and reason in result.error


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "not_audio.wav"
    path.write_bytes(b"RIFF but not really")
    result = ConceptWorker(MeanConditioner()).embed_now(request(path))
    assert result.error is not None and "cannot read" in result.error


def test_a_file_overwritten_is_embedded_again(tmp_path):
    path = tmp_path / "ref.wav"
    conditioner = MeanConditioner()
    worker = ConceptWorker(conditioner)
    sf.write(path, tone(0.1), RATE, subtype="FLOAT")
    first = worker.embed_now(request(path)).vector
    again = worker.embed_now(request(path, 2)).vector  # the same content: cached
    assert conditioner.embedded == 1 and np.array_equal(first, again)
    sf.write(path, tone(0.4), RATE, subtype="FLOAT")  # same path, same size
    second = worker.embed_now(request(path, 3)).vector
    assert conditioner.embedded == 2 and not np.allclose(first, second)


def test_audio_prompt_objects_still_carry_the_samples(tmp_path):
    path = tmp_path / "ref.wav"
    sf.write(path, tone(0.2), RATE, subtype="FLOAT")
    prompt = ConceptWorker._audio(str(path), 0.5, AudioPrompt)
    assert prompt.weight == 0.5 and prompt.sample_rate == RATE and len(prompt.audio) == RATE
