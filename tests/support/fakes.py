"""Stand-ins for what the controller and clock tests do not need for real (a socket, a Link
session), shared by them."""

from __future__ import annotations

import threading
from datetime import timedelta

from pythonosc.osc_message import OscMessage


class FakeOsc:
    """The part of `OscServer` the controller uses, without a socket."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple, tuple[str, int]]] = []
        self.queue: list = []
        self.dropped = 0
        self.overloaded: set = set()
        self.wake = threading.Event()  # what the daemon's control thread waits on

    def drain(self, limit: int) -> list:
        out, self.queue = self.queue[:limit], self.queue[limit:]
        return out

    def send(self, data: bytes, to: tuple[str, int]) -> bool:
        message = OscMessage(data)
        self.sent.append((message.address, tuple(message.params), to))
        return True

    def close(self) -> None:
        pass

    def kernel_dropped(self) -> int | None:
        return None

    def addresses(self) -> list[str]:
        return [s[0] for s in self.sent]


class FakeLink:
    """The part of `aalink.Link` LinkClock uses, on virtual time, alone in its session."""

    def __init__(self, vtime, bpm: float, link_offset: float = -0.25) -> None:
        self.vtime = vtime
        self.link_offset = link_offset  # Link's clock minus now()'s
        self.quantum = 1.0
        self.enabled = False
        self.start_stop_sync_enabled = False
        self.num_peers = 0
        self._bpm = bpm
        self._t0, self._beat0 = vtime.t, 0.0
        self._playing = False
        self._start_t = vtime.t

    def _beat_at(self, t: float) -> float:
        return self._beat0 + (t - self._t0) * self._bpm / 60.0

    @property
    def beat(self) -> float:
        return self._beat_at(self.vtime.t)

    @property
    def time(self) -> timedelta:
        return timedelta(seconds=self.vtime.t + self.link_offset)

    @property
    def tempo(self) -> float:
        return self._bpm

    @tempo.setter
    def tempo(self, bpm: float) -> None:
        self._beat0, self._t0, self._bpm = self.beat, self.vtime.t, bpm

    @property
    def playing(self) -> bool:
        return self._playing

    @playing.setter
    def playing(self, on: bool) -> None:
        self._playing, self._start_t = on, self.vtime.t

    def request_beat_at_start_playing_time(self, beat: float) -> None:
        if self._playing:  # alone: the session moves so that `beat` is at the start time
            self._beat0, self._t0 = beat, self._start_t

    def set_is_playing_and_request_beat_at_time(self, on: bool, at: timedelta, beat: float):
        self._playing, self._start_t = on, at.total_seconds() - self.link_offset
        self._beat0, self._t0 = beat, self._start_t
