"""The audio device's heartbeat: no callback for a while means the device is gone. Pure logic.

PortAudio does not always say when its device goes: when the JACK server dies under a running
stream, JACK's client library prints three lines, the callback is simply never called again, and
stopping or closing that stream waits for a callback that will not come (PortAudio's JACK host
waits up to 10 minutes). So the daemon watches the callback's block counter: no new block for
`lost_after` seconds while the stream runs is a lost device, said at once (stderr, status,
`/livegen/notice`); blocks that come again are the device back.
"""

from __future__ import annotations

from dataclasses import dataclass

LOST_AFTER = 0.5  # s without a callback: JACK's default client timeout, far above any period


@dataclass
class AudioWatch:
    """Args:
    lost_after: seconds without a new block before the device counts as lost.
    """

    lost_after: float = LOST_AFTER
    blocks: int = 0  # the callback's counter, as last seen
    seen_at: float | None = None  # when it last moved
    lost_at: float | None = None  # when the device was found lost (None: it plays)
    losses: int = 0

    def step(self, blocks: int, now: float) -> str | None:
        """Look at the counter at `now`; returns "lost" or "back" when that changes, else None."""
        if blocks != self.blocks or self.seen_at is None:
            moved = blocks != self.blocks
            self.blocks, self.seen_at = blocks, now
            if moved and self.lost_at is not None:
                self.lost_at = None
                return "back"
            return None
        if self.lost_at is None and blocks > 0 and now - self.seen_at > self.lost_after:
            self.lost_at = now
            self.losses += 1
            return "lost"
        return None

    @property
    def lost(self) -> bool:
        return self.lost_at is not None
