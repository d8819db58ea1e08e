"""Output frames ↔ clock time: when does output frame F reach the speaker, on `time.monotonic`?

The clock (MIDI or internal) lives on `time.monotonic`; the audio lives on the stream's frame
counter. Only the audio callback sees both, so it logs one observation per block into a
preallocated ring (`CallbackLog.push`: three stores, no allocation, no lock):

    frame F   (the block's first frame, counted by the callback),
    t         (time.monotonic() on entering the callback),
    dac       (time.outputBufferDacTime - time.currentTime: how long after the callback's
               reference instant the block's first frame is heard, as PortAudio reports it).

`FrameClock` (pure, fed from the ring in a normal thread) fits these: a callback can only run
*late*, never early, so the line through the lower envelope of (F, t) is when the block's buffer
is due; its slope follows the sound card's crystal against the system clock (tens of ppm: 3 ms a
minute if ignored). Then

    speaker_time(F) = callback_time(F) + dac + output_offset

and a bar whose downbeat the clock puts at time T starts at the frame where speaker_time = T.
(Under JACK, `currentTime` is the cycle's frame time and `dac` the playback latency of the ports
we are connected to, 2 periods on a dummy server.) `output_offset` (`--output-offset-ms`) adds what
PortAudio cannot see (a DAC's own delay, a speaker's distance, a measured round trip).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from livegen.clock.events import TICKS_PER_BAR
from livegen.clock.sources import ClockSource
from livegen.clock.timeline import BarGrid, BarPlan


class CallbackLog:
    """A ring of (frame, time, dac) observations, written by the audio callback.

    Args:
        size: entries kept (a power of two; 4096 blocks of 256 frames at 48 kHz = 22 s).
    """

    def __init__(self, size: int = 4096) -> None:
        if size & (size - 1):
            raise ValueError(f"size must be a power of two, got {size}")
        self.size = size
        self._mask = size - 1
        self.frames = np.zeros(size, np.int64)
        self.times = np.zeros(size, np.float64)
        self.dacs = np.zeros(size, np.float64)
        self.count = 0  # entries ever written; published after each write

    def push(self, frame: int, t: float, dac: float) -> None:
        """Real-time safe: three scalar stores into preallocated arrays, then the count."""
        i = self.count & self._mask
        self.frames[i] = frame
        self.times[i] = t
        self.dacs[i] = dac
        self.count += 1

    def read(self, since: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Copies of the entries written since count `since` (the newest ones if too many)."""
        end = self.count
        # Leave a margin: the callback may be overwriting the oldest slots while we copy.
        start = max(since, end - self.size + self.size // 8)
        idx = np.arange(start, end) & self._mask
        return self.frames[idx], self.times[idx], self.dacs[idx], end


@dataclass(frozen=True)
class Line:
    """callback_time(F) = F / rate + intercept + slope · (F - ref); speaker adds `latency`."""

    rate: int
    ref: int
    intercept: float
    slope: float
    latency: float  # dac + output offset (s)

    def callback_time(self, frame: float) -> float:
        return frame / self.rate + self.intercept + self.slope * (frame - self.ref)

    def speaker_time(self, frame: float) -> float:
        return self.callback_time(frame) + self.latency

    def frame_at_speaker(self, t: float) -> float:
        """The (fractional) frame heard at time `t` (inverse of `speaker_time`)."""
        per_frame = 1.0 / self.rate + self.slope
        c0 = self.intercept - self.slope * self.ref + self.latency
        return (t - c0) / per_frame

    def sample0_near(self, frame: float) -> float:
        """`BarGrid.time_of_sample0` that is exact around `frame` (the grid counts nominal-rate
        samples; anchoring it near the bar being planned keeps the rate error under a sample)."""
        return self.speaker_time(frame) - frame / self.rate


class FrameClock:
    """Fits callback observations to a `Line`. Pure: feed it, ask it; thread-safe to read.

    Args:
        sample_rate: the stream's nominal rate (Hz).
        output_offset: seconds added to the reported output latency (`--output-offset-ms`).
        window: observations kept for the slope fit.
        envelope: seconds of recent observations whose lower envelope sets the intercept.
        max_ppm: the fitted rate may differ from nominal by at most this (real crystals: < 100).
        min_span: seconds of observations before the slope is fitted (0 until then).
        chunk: seconds per chunk when looking for a step in the time base.
        step: a jump of the chunks' floor by more than this many seconds is a step (an xrun the
            output's frame counter did not measure exactly, a suspended machine): what came
            before it is shifted onto the new level, so the line is right again within two
            chunks instead of fitting a slope across the step (~4 ms off for ten seconds, seen
            on JACK).
    """

    def __init__(
        self,
        sample_rate: int,
        output_offset: float = 0.0,
        window: int = 2048,
        envelope: float = 1.0,
        max_ppm: float = 500.0,
        min_span: float = 2.0,
        chunk: float = 0.25,
        step: float = 0.5e-3,
    ) -> None:
        self.sample_rate = int(sample_rate)
        self.output_offset = float(output_offset)
        self.window = window
        self.envelope = envelope
        self.max_ppm = max_ppm
        self.min_span = min_span
        self.chunk = chunk
        self.step = step
        self.steps = 0  # steps found (status, tests)
        self._slope = 0.0  # the last fitted slope: detrends the chunk floors
        self._frames = np.zeros(0, np.int64)
        self._times = np.zeros(0, np.float64)
        self._dacs = np.zeros(0, np.float64)
        self._seen = 0  # CallbackLog count already ingested
        self._lock = threading.Lock()
        self.line: Line | None = None  # swapped atomically; readers never wait

    @property
    def ready(self) -> bool:
        return self.line is not None

    def observe(self, frames: np.ndarray, times: np.ndarray, dacs: np.ndarray) -> Line | None:
        """Add observations (arrays, oldest first) and refit."""
        with self._lock:
            if len(frames):
                keep = self.window
                self._frames = np.concatenate([self._frames, frames])[-keep:]
                self._times = np.concatenate([self._times, times])[-keep:]
                self._dacs = np.concatenate([self._dacs, dacs])[-keep:]
                self.line = self._fit()
            return self.line

    def ingest(self, log: CallbackLog) -> Line | None:
        """Read what the callback logged since the last call and refit."""
        frames, times, dacs, self._seen = log.read(self._seen)
        return self.observe(frames, times, dacs)

    def _fit(self) -> Line:
        rate = self.sample_rate
        self._level_step()
        frames, times = self._frames, self._times
        ref = int(frames[-1])
        x = (frames - ref).astype(np.float64)
        y = times - frames / rate  # offset of each callback from the nominal frame clock
        slope = self._slope
        if x[-1] - x[0] >= self.min_span * rate:
            slope = float(np.polyfit(x, y, 1)[0])
            bound = self.max_ppm * 1e-6 / rate
            slope = self._slope = min(max(slope, -bound), bound)
        recent = x >= -self.envelope * rate
        intercept = float(np.min(y[recent] - slope * x[recent]))
        dac = float(np.median(self._dacs[-64:]))
        return Line(rate, ref, intercept, slope, max(dac, 0.0) + self.output_offset)

    def _level_step(self) -> None:
        """Shift the observations before a step in the floor of whole chunks onto the new level.

        Chunks are cut back from the newest observation, so each is complete; the floor (least
        offset, detrended by the last slope) of a chunk ignores callbacks that were only late.
        Callbacks run late, never early: a newest floor below the level of the chunks before it
        is a step at once; a rise must hold for two chunks, since a stalled machine can leave
        one whole chunk late.
        """
        rate, frames = self.sample_rate, self._frames
        x = frames - frames[-1]
        chunk = np.floor(-x / (self.chunk * rate)).astype(np.int64)  # 0 = newest
        complete = int(chunk[0])  # the oldest chunk may be partial
        if complete < 3:
            return
        y = self._times - frames / rate - self._slope * x
        floors = np.full(complete + 1, np.inf)
        np.minimum.at(floors, chunk, y)
        # A frame counter that jumped over a long xrun (or a log ring overwritten before it was
        # read) leaves chunks empty (inf): compare only chunks with observations (`held`).
        held = np.flatnonzero(np.isfinite(floors[:complete]))
        if held.size < 3:
            return
        floors = floors[held]
        older = 1
        jump = floors[0] - floors[1:5].min()
        if jump > -self.step:
            older = 2
            jump = floors[:2].min() - floors[2:6].min()
            if jump < self.step:
                return
        self._times = np.where(chunk >= held[older], self._times + jump, self._times)
        self.steps += 1


class ClockTimeline:
    """The scheduler's `Timeline`: a clock source's bar grid on the stream's frames.

    Each plan builds a `BarGrid` anchored near the bar it plans (`Line.sample0_near`), so a
    refitted line moves only the not-yet-committed end of the next bar: the scheduler commits
    every start once, and the difference is absorbed by one bar's length.

    Args:
        clock: a `ClockSource` (any object with `time_of_tick` and `state`).
        frames: the `FrameClock` fed by the audio callback.
    """

    def __init__(self, clock: ClockSource, frames: FrameClock) -> None:
        self.clock = clock
        self.frames = frames
        self.sample_rate = frames.sample_rate

    def plan(self, bar: int, committed_start: int | None) -> BarPlan | None:
        line = self.frames.line
        if line is None:
            return None
        if committed_start is not None:
            anchor = float(committed_start)
        else:
            when = self.clock.time_of_tick(bar * TICKS_PER_BAR)
            if when is None:
                return None
            anchor = line.frame_at_speaker(float(when))
        grid = BarGrid(self.clock.time_of_tick, self.sample_rate, line.sample0_near(anchor))
        return grid.plan(bar, committed_start)

    def speaker_time(self, frame: int) -> float | None:
        line = self.frames.line
        return None if line is None else line.speaker_time(frame)

    def current_bar(self, now: float) -> int | None:
        state = self.clock.state(now)
        if not state.playing or state.bpm is None or self.clock.time_of_tick(0) is None:
            return None
        return state.bar
