"""`--record FILE`: exactly what was played, written to WAV/FLAC from a normal thread.

The audio callback pushes each block it played into a preallocated ring (`RecordRing.push`: one
or two `np.copyto`, no allocation, no lock, never waits); a writer thread drains the ring to disk
every few tens of ms. If the disk stalls long enough to fill the ring (10 s by default) the
callback drops blocks rather than wait, and `dropped` says how many frames the file lacks.

WAV is written as 32-bit float: bit for bit what the callback produced. FLAC cannot hold floats
and is written as 24-bit PCM. The file is finalized (header sizes written) by `stop()`, which
the daemon calls on Ctrl-C and SIGTERM as well.

With stems (`livegen serve --stems --record set.wav`) the stream's mix goes to `set.wav` and each
stem's pair of channels to its own stereo file beside it: `set_drums.wav`, `set_bass.wav`,
`set_music.wav` (post gain and mute: what was heard), all sample-aligned from the same frame.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

SUBTYPES = {".wav": "FLOAT", ".flac": "PCM_24"}


class RecordRing:
    """Single-producer (callback) single-consumer (writer) ring of [frames, channels] float32.

    Args:
        frames: capacity in frames.
        channels: channel count.
    """

    def __init__(self, frames: int, channels: int = 2) -> None:
        self.size = int(frames)
        self.buffer = np.zeros((self.size, channels), np.float32)
        self.written = 0  # frames pushed (the callback's counter)
        self.read = 0  # frames pulled (the writer's counter)
        self.dropped = 0  # frames the callback could not fit

    def push(self, block: np.ndarray) -> None:
        """Real-time safe: copy `block` in, or count it dropped if the ring is full."""
        n = len(block)
        if n > self.size - (self.written - self.read):
            self.dropped += n
            return
        i = self.written % self.size
        first = min(n, self.size - i)
        np.copyto(self.buffer[i : i + first], block[:first])
        if n > first:
            np.copyto(self.buffer[: n - first], block[first:])
        self.written += n

    def pull(self) -> np.ndarray:
        """A copy of everything pushed since the last pull (writer side)."""
        end = self.written
        n = end - self.read
        i = self.read % self.size
        first = min(n, self.size - i)
        out = np.concatenate([self.buffer[i : i + first], self.buffer[: n - first]])
        self.read = end
        return out


def stem_path(path: Path, stem: str) -> Path:
    """Where stem `stem` of a recording or render at `path` goes: x.wav → x_drums.wav."""
    return path.with_stem(f"{path.stem}_{stem}")


class Recorder:
    """Writes a `RecordRing` to `path` from its own thread.

    Args:
        path: .wav (float32) or .flac (24-bit).
        sample_rate: the stream's rate.
        channels: the stream's channels.
        ring_seconds: ring capacity.
        period: seconds between drains.
        append: go on at the end of an existing file (a resume).
        stems: the stems whose channel pairs follow the mix's (channels 2-3, 4-5, ...): each
            goes to `stem_path(path, stem)`, the mix's two channels to `path`.
    """

    def __init__(
        self,
        path: Path,
        sample_rate: int,
        channels: int = 2,
        ring_seconds: float = 10.0,
        period: float = 0.05,
        append: bool = False,
        stems: tuple[str, ...] = (),
    ) -> None:
        path = Path(path)
        if SUBTYPES.get(path.suffix.lower()) is None:
            raise ValueError(f"--record {path}: use a .wav or .flac file name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--record {path}: cannot write there ({exc})") from None
        self.ring = RecordRing(int(ring_seconds * sample_rate), channels)
        # (file, first channel, channel count): the mix, then each stem's pair
        parts = [(path, 0, min(channels, 2) if stems else channels)]
        parts += [
            (stem_path(path, s), 2 + 2 * i, 2) for i, s in enumerate(stems) if 2 + 2 * i < channels
        ]
        self._files: list[tuple[Any, int, int]] = []
        try:
            for where, first, count in parts:
                file = _open(where, sample_rate, count, append)
                self._files.append((file, first, first + count))
        except BaseException:
            for file, _, _ in self._files:
                file.close()
            raise
        self._file = self._files[0][0]
        self.path = Path(self._file.name)
        self.paths = [Path(f.name) for f, _, _ in self._files]
        self.frames = 0
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="livegen-recorder", daemon=True)
        self._closed = False

    def start(self) -> None:
        self._thread.start()

    def _drain(self) -> None:
        block = self.ring.pull()
        if len(block):
            for file, first, end in self._files:
                file.write(block[:, first:end])
            self.frames += len(block)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self._drain()

    def stop(self) -> None:
        """Drain what is left and finalize the file (call after the stream stopped)."""
        if self._closed:
            return
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        self._drain()
        for file, _, _ in self._files:
            file.close()
        self._closed = True

    @property
    def dropped(self) -> int:
        return self.ring.dropped


def _open(path: Path, sample_rate: int, channels: int, append: bool) -> Any:
    """One output file, new or (a resume) appended to; ValueError in one line if it cannot be."""
    import soundfile as sf

    if append and path.exists():  # a resume after a lost device: go on where it was
        try:
            file = sf.SoundFile(path, "r+")
            file.seek(0, sf.SEEK_END)
            if (file.samplerate, file.channels) == (sample_rate, channels):
                return file
            file.close()
        except (RuntimeError, OSError):  # FLAC cannot be appended to: a second file
            pass
        path = path.with_stem(path.stem + "-resumed")
    try:
        return sf.SoundFile(
            path,
            "w",
            samplerate=sample_rate,
            channels=channels,
            subtype=SUBTYPES[path.suffix.lower()],
        )
    except (RuntimeError, OSError) as exc:  # soundfile's errors are RuntimeErrors
        raise ValueError(f"--record {path}: cannot write there ({exc})") from None
