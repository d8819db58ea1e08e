"""The bar player: puts bars at exact output-sample positions, from inside the audio callback.

A producer thread (the scheduler) hands over bars with `queue(start, audio)`: bar audio already at
the device rate and channel count, and the absolute frame at which its first sample must play. The
audio callback calls `render(out, frame)` to fill the block that starts at `frame`.

Real-time contract of `render` (python-sounddevice's rules): it always fills `out[:]`, never
blocks, takes no lock, does no I/O or logging, and allocates no arrays: every copy and mix goes
through `out=` arguments into preallocated memory. (Python itself still creates small int objects;
what matters is that nothing scales with the block or can stall.) Handover is one atomic reference
swap of an immutable tuple, so neither side ever waits for the other.

At each bar change it crossfades (a few ms) from the old bar, which keeps running through the
fade, into the new one. The fade is linear (equal gain), not equal-power: consecutive bars are
strongly correlated (same prompt, similar noise, and the old bar's continuation is its own
downbeat), where equal-power would bump the level by up to 3 dB. If no new bar has arrived when the current one ends, the
current bar repeats (loops are seamless) and `late_bars` counts it: the music never stops.

`downbeat` tells the callback where in the block it just rendered a bar began (a new bar, or the
current one starting over): the frame, or -1. Stem changes wait for it (`live.audio.stems`).
"""

from __future__ import annotations

import numpy as np

FADE_SECONDS = 0.004  # declick at bar changes (Ableton's default): the daemon's and render's


class ScheduledBar:
    """A bar queued at output frame `start` (not the generator's `runtime.generator.Bar`):
    immutable, `audio` is [frames, channels] float32."""

    __slots__ = ("audio", "start")

    def __init__(self, start: int, audio: np.ndarray) -> None:
        self.start = int(start)
        self.audio = audio


class BarPlayer:
    """Args:
    channels: output channels (bars must have this many).
    fade: crossfade length in frames at each bar change (4 ms at 48 kHz = 192).
    max_block: the largest callback block size, to size the scratch buffer.
    """

    def __init__(self, channels: int = 2, fade: int = 192, max_block: int = 8192) -> None:
        self.channels = channels
        self.fade = max(1, fade)
        t = (np.arange(self.fade, dtype=np.float64) + 0.5) / self.fade
        # [fade, 1] so they broadcast over channels without a temporary.
        self._fade_in = t.astype(np.float32)[:, None]
        self._fade_out = (1.0 - t).astype(np.float32)[:, None]
        self._scratch = np.zeros((max_block, channels), dtype=np.float32)
        self._pending: tuple[ScheduledBar, ...] = ()  # the producer writes, swaps atomically
        self._current: ScheduledBar | None = None  # the callback's own state from here on
        self._previous: ScheduledBar | None = None
        self._switch = 0  # frame at which `_current` took over (the crossfade starts there)
        self.late_bars = 0
        self._next_due = 0  # end of the current bar's pass: where a new bar was expected
        self.downbeat = -1  # the first frame of the last `render` where a bar began (-1: none)

    # -- producer side -------------------------------------------------------------------------
    def queue(self, start: int, audio: np.ndarray) -> None:
        """Schedule a bar; it replaces any queued bar starting at or after `start` (a redo)."""
        if audio.ndim != 2 or audio.shape[1] != self.channels or len(audio) == 0:
            raise ValueError(f"bar must be [frames>0, {self.channels}], got {audio.shape}")
        bar = ScheduledBar(start, np.ascontiguousarray(audio, dtype=np.float32))
        playing = self.playing_bar_start
        # Keep earlier bars still to come (and the one playing); drop what has been superseded.
        kept = tuple(
            b for b in self._pending if b.start < start and (playing is None or b.start >= playing)
        )
        self._pending = (*kept, bar)  # one reference swap: the callback sees old or new

    @property
    def playing_bar_start(self) -> int | None:
        bar = self._current
        return None if bar is None else bar.start

    # -- callback side -------------------------------------------------------------------------
    def render(self, out: np.ndarray, frame: int) -> None:
        """Fill `out` ([frames, channels] float32) with the output that starts at `frame`."""
        n = len(out)
        done = 0
        self.downbeat = -1
        while done < n:
            pos = frame + done
            self._promote(pos)
            # Render up to the next event: a pending bar's start, the current bar's end (where it
            # starts over if nothing came) or the end of the crossfade.
            stop = n
            nxt = self._next_start(pos)
            if nxt is not None:
                stop = min(stop, nxt - frame)
            if self._current is not None and self._next_due > pos:
                stop = min(stop, self._next_due - frame)
            fade_end = self._switch + self.fade
            if self._previous is not None and pos < fade_end:
                stop = min(stop, fade_end - frame)
            self._fill(out[done:stop], pos)
            done = stop

    def _next_start(self, pos: int) -> int | None:
        for bar in self._pending:
            if bar.start > pos and (self._current is None or bar.start > self._current.start):
                return bar.start
        return None

    def _promote(self, pos: int) -> None:
        """Make the latest pending bar whose start has come the current one."""
        chosen = None
        for bar in self._pending:
            newer = self._current is None or bar.start > self._current.start
            if newer and bar.start <= pos and (chosen is None or bar.start > chosen.start):
                chosen = bar
        if chosen is not None:
            self._previous = self._current
            self._current = chosen
            self._switch = chosen.start
            self._next_due = chosen.start + len(chosen.audio)
        elif self._current is not None and pos >= self._next_due:
            # Bar over, nothing new: it repeats (seamlessly) and the lateness is counted.
            self.late_bars += 1
            self._next_due += len(self._current.audio)
        else:
            return
        if self.downbeat < 0:
            self.downbeat = pos

    def _fill(self, out: np.ndarray, pos: int) -> None:
        if len(out) == 0:
            return
        cur = self._current
        if cur is None:
            out.fill(0.0)
            return
        self._copy_looped(cur, pos, out)
        prev = self._previous
        if prev is not None:
            k = pos - self._switch
            if k >= self.fade:
                self._previous = None
                return
            m = len(out)  # the caller stops a segment at the fade's end
            np.multiply(out, self._fade_in[k : k + m], out=out)
            scratch = self._scratch[:m]
            self._copy_looped(prev, pos, scratch)
            np.multiply(scratch, self._fade_out[k : k + m], out=scratch)
            np.add(out, scratch, out=out)

    @staticmethod
    def _copy_looped(bar: ScheduledBar, pos: int, out: np.ndarray) -> None:
        """out[:] = the bar's audio from `pos`, looping (a bar past its end repeats itself)."""
        audio = bar.audio
        length = len(audio)
        i = (pos - bar.start) % length
        done = 0
        while done < len(out):
            take = min(len(out) - done, length - i)
            np.copyto(out[done : done + take], audio[i : i + take])
            done += take
            i = 0
