"""`--record FILE`: exactly what was played, written to WAV/FLAC from a normal thread.

The audio callback pushes each block it played into a preallocated ring (`RecordRing.push`: one
or two `np.copyto`, no allocation, no lock, never waits); a writer thread drains the ring to disk
every few tens of ms. If the disk stalls long enough to fill the ring (10 s by default) the
callback drops blocks rather than wait, and `dropped` says how many frames the file lacks.

WAV is written as 32-bit float: bit for bit what the callback produced. FLAC cannot hold floats
and is written as 24-bit PCM. The file is finalized (header sizes written) by `stop()`, which
the daemon calls on Ctrl-C and SIGTERM as well.
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


class Recorder:
    """Writes a `RecordRing` to `path` from its own thread.

    Args:
        path: .wav (float32) or .flac (24-bit).
        sample_rate: the stream's rate.
        channels: the stream's channels.
        ring_seconds: ring capacity.
        period: seconds between drains.
    """

    def __init__(
        self,
        path: Path,
        sample_rate: int,
        channels: int = 2,
        ring_seconds: float = 10.0,
        period: float = 0.05,
        append: bool = False,
    ) -> None:
        import soundfile as sf

        self.path = Path(path)
        subtype = SUBTYPES.get(self.path.suffix.lower())
        if subtype is None:
            raise ValueError(f"--record {path}: use a .wav or .flac file name")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--record {path}: cannot write there ({exc})") from None
        self.ring = RecordRing(int(ring_seconds * sample_rate), channels)
        self._file: Any = None
        if append and self.path.exists():  # a resume after a lost device: go on where it was
            try:
                self._file = sf.SoundFile(self.path, "r+")
                self._file.seek(0, sf.SEEK_END)
                if (self._file.samplerate, self._file.channels) != (sample_rate, channels):
                    self._file.close()
                    raise OSError("another rate or channel count")
            except (RuntimeError, OSError):  # FLAC cannot be appended to: a second file
                self.path = self.path.with_stem(self.path.stem + "-resumed")
                self._file = None
        if self._file is None:
            try:
                self._file = sf.SoundFile(
                    self.path, "w", samplerate=sample_rate, channels=channels, subtype=subtype
                )
            except (RuntimeError, OSError) as exc:  # soundfile's errors are RuntimeErrors
                raise ValueError(f"--record {path}: cannot write there ({exc})") from None
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
            self._file.write(block)
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
        self._file.close()
        self._closed = True

    @property
    def dropped(self) -> int:
        return self.ring.dropped
