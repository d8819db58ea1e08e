"""Following an Ableton Link session (`--clock link`, aalink): tempo and bar phase from its timeline.

Link shares a timeline, not ticks: at any host time every peer agrees on the tempo and on the
phase within a quantum (here 4 beats, one 4/4 bar). livegen maps the timeline to song ticks as

    song tick = (Link beat - origin) · 24,   origin a multiple of the quantum,

so livegen's downbeats fall on the session's bar starts (phase 0), whatever the local beat count.

Latency. Link's contract is that the beat a peer computes for host time T is the beat *heard* at
T: every peer schedules its audio earlier by its own output latency. livegen's `time_of_tick`
already means "heard at": the daemon's `FrameClock` places a bar where speaker time equals the
clock's time, speaker time being callback time + the latency PortAudio reports +
`--output-offset-ms`. So the Link timeline is used as it is, the output latency is subtracted
once, where the audio is scheduled, for every clock source alike, and `--output-offset-ms` stays
the knob for latency PortAudio cannot see (a DAC, a speaker's distance). `--link-offset-ms`
(default 0) only nudges livegen against the other peers (positive: later), e.g. for a peer that
misreports its own latency.

Two parts, as for MIDI clock:

- `LinkFollower` (link_follower.py, pure): fed `LinkSample`s (time on `now()`, Link beat, tempo, peers), it keeps
  the session's current line exactly (`Fraction`) and answers the `ClockSource` queries from it.
  A tempo change (ours or a peer's) or a sample off the line by more than `tolerance` (a peer
  joined and shifted the local beat, the host clocks drifted) re-anchors the line at the sample.
- `LinkClock` (shell): owns an `aalink.Link`, samples it on each query (at most every
  `refresh` s), follows the session's start/stop when asked to (`--link-start-stop`), and sets
  the session tempo for `/livegen/bpm` (it reaches every peer).

Host clocks: Link times itself on its own clock (CLOCK_MONOTONIC_RAW on Linux), the daemon on
`time.monotonic`; they differ by an offset and by a few ppm of rate (NTP slews only the latter).
The shell never converts one into the other: it brackets each read of `link.beat` between two
`now()` calls a microsecond or so apart, and the follower's line absorbs the rate difference by
re-anchoring (at 10 ppm, a 0.2 ms step every 20 s, taken up by one bar's length).

aalink facts (0.2.3): `Link(bpm)` needs a running asyncio loop (passing `loop=` is deprecated);
the loop only carries `sync()` futures and callbacks, which this shell does not use, so the Link
is built inside a throwaway loop. A new Link is disabled, quantum 1, not playing. Link sends a
tempo on the wire as whole microseconds per beat: a peer's 122 BPM arrives as 122.00007.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from fractions import Fraction
from typing import Any

from livegen.clock.events import ClockEvent
from livegen.clock.link_follower import QUANTUM, LinkFollower, LinkSample
from livegen.clock.sources import ClockState, Now
from livegen.clock.timeline import Number

__all__ = ["QUANTUM", "LinkClock", "LinkError", "LinkFollower", "LinkSample", "open_link"]

MAX_READ = 0.0005  # s: a bracketed read slower than this (preempted) is taken again


class LinkError(OSError):
    """Link could not be opened; the message says why."""


def open_link(bpm: float) -> Any:
    """A new `aalink.Link` at `bpm` (disabled), made without a running event loop of ours."""
    try:
        import aalink
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise LinkError("aalink is not installed (pip install aalink)") from exc

    async def make() -> Any:
        return aalink.Link(float(bpm))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        # A loop of our own, run just long enough to build the Link (unlike asyncio.run, this
        # touches neither the thread's current loop nor the SIGINT handler).
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(make())
        finally:
            loop.close()
    return aalink.Link(float(bpm))  # called from a coroutine: aalink takes that loop


class LinkClock:
    """A `ClockSource` that follows the Ableton Link session on this network.

    Args:
        bpm: tempo of the session if livegen is alone in it (joining adopts the session's).
        now: time function; must be the clock the rest of the daemon uses.
        offset: s livegen's beats sound after the session's (`--link-offset-ms` / 1000).
        start_stop: follow (and share) the session's play/stop (`--link-start-stop`); without
            it livegen plays all the time, in phase.
        refresh: the session is read again on a query at most this often (s).
        link: an `aalink.Link`-like object to use instead of a new one (tests).
    """

    name = "link"

    def __init__(
        self,
        bpm: float = 120.0,
        *,
        now: Now = time.monotonic,
        offset: float = 0.0,
        start_stop: bool = False,
        refresh: float = 0.002,
        link: Any = None,
    ) -> None:
        self._now = now
        self.start_stop = start_stop
        self.refresh = refresh
        self.follower = LinkFollower(now, offset, QUANTUM, playing=not start_stop)
        # The producer, control and status threads query through `SharedClock`'s lock already;
        # this one keeps a LinkClock safe on its own.
        self._lock = threading.Lock()
        self._link: Any = open_link(bpm) if link is None else link
        self._link.quantum = QUANTUM
        self._link.start_stop_sync_enabled = start_stop
        self._link.enabled = True
        self._read_at: float | None = None
        self._refresh(force=True)

    @property
    def peers(self) -> int:
        """Other peers in the session (as of the last read)."""
        return self.follower.peers

    # --- transport (`Transport`): these reach every peer -------------------------------------

    def refusal(self, verb: str) -> str:
        if verb == "bpm":
            return ""
        if verb == "locate":
            return "the Link session's position is shared by its peers: it cannot be moved"
        if self.start_stop:
            return ""
        return (
            "the transport follows the Link session; start livegen with --link-start-stop to "
            "share play/stop"
        )

    def set_bpm(self, bpm: Number | str, t: float | None = None) -> None:
        """Set the session tempo (every peer follows; at once, `t` is not used)."""
        with self._lock:
            if self._link is not None:
                self._link.tempo = float(bpm)
                self._refresh(force=True)

    def start(self, t: float | None = None) -> None:
        """Start the session's transport (with start/stop sync), song tick 0 at `t` or, with
        peers, at the first session downbeat after it. Playing already: nothing changes."""
        with self._lock:
            if self._link is None or not self.start_stop:
                return
            self._refresh(force=True)
            if self.follower.playing:
                return
            if t is None:
                self._link.playing = True
            else:
                self._link.set_is_playing_and_request_beat_at_time(True, self._link_time(t), 0.0)
            self._refresh(force=True)

    def stop(self, t: float | None = None) -> None:
        """Stop the session's transport (with start/stop sync; at once, `t` is not used)."""
        with self._lock:
            if self._link is not None and self.start_stop:
                self._link.playing = False
                self._refresh(force=True)

    def resume(self, t: float | None = None) -> None:
        """Refused (`refusal("locate")`): a Link song starts where the session puts bar 1."""

    def locate(self, tick: int, t: float | None = None) -> None:
        """Refused: the session's beat is everybody's."""

    # --- ClockSource ------------------------------------------------------------------------

    def state(self, t: float | None = None) -> ClockState:
        with self._lock:
            self._refresh()
            return self.follower.state(t)

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        with self._lock:
            self._refresh()
            return self.follower.time_of_tick(tick)

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        with self._lock:
            self._refresh()
            return self.follower.poll(t)

    def close(self) -> None:
        """Leave the session; the clock keeps answering from the last line it had."""
        with self._lock:
            if self._link is not None:
                self._link.enabled = False
                self._link = None  # aalink stops its threads when the Link is freed

    def __enter__(self) -> LinkClock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals --------------------------------------------------------------------------

    def _sample(self) -> LinkSample:
        link = self._link
        best: tuple[float, float, float] | None = None
        for _ in range(3):
            before = self._now()
            beat = float(link.beat)
            after = self._now()
            if best is None or after - before < best[1] - best[0]:
                best = (before, after, beat)
            if after - before <= MAX_READ:
                break
        assert best is not None
        before, after, beat = best
        return LinkSample((before + after) / 2, beat, float(link.tempo), int(link.num_peers))

    def _link_time(self, t: float) -> timedelta:
        """Time `t` on `now()`'s clock as a time on Link's clock."""
        before = self._now()
        link_now = self._link.time.total_seconds()
        after = self._now()
        return timedelta(seconds=link_now + t - (before + after) / 2)

    def _refresh(self, force: bool = False) -> None:
        if self._link is None:
            return
        t = self._now()
        if not force and self._read_at is not None and t - self._read_at < self.refresh:
            return
        self._read_at = t
        follower = self.follower
        if self.start_stop:
            playing = bool(self._link.playing)
            if playing and not follower.playing:
                # As Link's own examples do: beat 0 where the session started playing (with
                # peers: at the first session downbeat from then), and the song starts there.
                self._link.request_beat_at_start_playing_time(0.0)
                follower.follow(self._sample())
                follower.start(0)
                return
            if not playing and follower.playing:
                sample = self._sample()
                follower.follow(sample)
                follower.stop(sample.t)
                return
        follower.follow(self._sample())
