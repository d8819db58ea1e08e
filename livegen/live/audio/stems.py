"""Stem gains and mutes, applied in the audio callback: at the next downbeat, or within one block.

With a stem generator the player's bars have one layer per stem (drums, bass, music: mono, fitted
to the bar). `StemMixer.mix` weighs each layer by its stem's gain (0 when muted), sums them into
the mix and writes the output channels: mix L/R on channels 0-1, then one L/R pair per stem
(`channel_names`), so a DAW recording the stem channels records what is heard.

When a change lands:

- immediately (`now`): the callback that first sees it ramps linearly from the gain played last
  to the new one over its block: the change is complete at the end of that block, with no click;
- at the next downbeat: it waits for the first frame where the player starts a bar
  (`BarPlayer.downbeat`: a new bar, or the current one starting over) in a block after it was
  seen, and ramps from that frame over the player's crossfade (4 ms), in step with the bars'
  own declick: every frame before the bar start is untouched;
- a drop is a mute now and an unmute at the next downbeat.

Control side (one writer: the control thread): `set` writes, per stem and per field (gain, mute)
and per kind (now, downbeat), the latest value and a sequence number, then bumps `published`.
Only the latest of each slot matters, and the sequence numbers say which of a field's "now" and
"downbeat" came last (a later immediate change overrides a waiting one), so any number of changes
between two callbacks is read exactly, with no queue to fill and no lock.

Real-time contract of `mix` (as `BarPlayer.render`): no allocation of arrays, no lock, no I/O:
every operation writes into preallocated buffers through `out=`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

GAIN, MUTE = 0, 1  # fields
NOW, DOWNBEAT = 0, 1  # when a change lands


def channel_names(stems: tuple[str, ...]) -> tuple[str, ...]:
    """The output channels with stems: mix_L, mix_R, then <stem>_L, <stem>_R for each stem."""
    names = ["mix_L", "mix_R"]
    for stem in stems:
        names += [f"{stem}_L", f"{stem}_R"]
    return tuple(names)


def output_channels(sd: Any, device: Any, stems: tuple[str, ...]) -> int:
    """2, or with stems 8 (the mix, then each stem's pair), as many as the device offers."""
    if not stems:
        return 2
    offered = int(sd.query_devices(device)["max_output_channels"])
    return max(2, min(len(channel_names(stems)), offered))


def channel_note(stems: tuple[str, ...], channels: int, ports: tuple[str, ...]) -> str:
    """The startup line's channel map, and why stems are missing from the output if they are."""
    if not stems:
        return ""
    names = channel_names(stems)
    where = ", ".join(f"{i + 1}-{i + 2} {names[i][:-2]}" for i in range(0, channels, 2))
    note = f"stems: channels {where}"
    if ports:
        note += f"; JACK ports {ports[0].split(':')[0]}:mix_L ... (alias livegen:mix_L ...)"
    if channels < len(names):
        note += (f"; the output has {channels} channels, so only these are heard and recorded "
                 f"(JACK: start jackd with {len(names)} playback ports, e.g. dummy -P {len(names)})")  # fmt: skip
    return note


class StemMixer:
    """Args:
    stems: the stems, in the layers' order.
    channels: output channels: the mix on 0-1, then the stems' pairs (as many as fit).
    fade: frames a downbeat change takes (the player's crossfade).
    max_block: the largest callback block (longer blocks get a step instead of a ramp).
    gains, mutes: the initial state (the session's).
    """

    def __init__(
        self,
        stems: tuple[str, ...],
        channels: int = 2,
        fade: int = 192,
        max_block: int = 16384,
        gains: tuple[float, ...] | None = None,
        mutes: tuple[bool, ...] | None = None,
    ) -> None:
        s = len(stems)
        self.stems = tuple(stems)
        self.channels = channels
        self.fade = max(1, int(fade))
        # control slots [field][when][stem]: the latest value and its sequence number
        self._value = [[[0.0] * s for _ in range(2)] for _ in range(2)]
        self._seq = [[[0] * s for _ in range(2)] for _ in range(2)]
        self._count = 0
        self.published = 0  # the control side's last sequence number
        # callback state
        self._seen = [[[0] * s for _ in range(2)] for _ in range(2)]
        self._consumed = 0
        self._gain = [float(g) for g in (gains or (1.0,) * s)]
        self._mute = [bool(m) for m in (mutes or (False,) * s)]
        self._armed: list[list[float | None]] = [[None] * s, [None] * s]  # [field][stem]
        self._waiting = 0  # stems with an armed change
        eff = [self._effective(i) for i in range(s)]
        # each stem's gain as a ramp: from, to, first frame, length (frames)
        self._from, self._to = list(eff), list(eff)
        self._start, self._len = [0] * s, [1] * s
        self._steps = np.arange(1, max_block + 1, dtype=np.float32)
        self._g = np.zeros(max_block, np.float32)
        self._mix = np.zeros(max_block, np.float32)
        self.landed = -1  # the frame where the last downbeat change began (tests, status)

    # -- control side --------------------------------------------------------------------------
    def set(self, stem: int, field: int, value: float, now: bool) -> None:
        """A change of `field` (GAIN or MUTE, 1.0 = muted) of stem `stem`."""
        when = NOW if now else DOWNBEAT
        self._count += 1
        self._value[field][when][stem] = float(value)  # the value first, then its number
        self._seq[field][when][stem] = self._count
        self.published = self._count

    def drop(self, stem: int) -> None:
        """Mute now, unmute at the next downbeat."""
        self.set(stem, MUTE, 1.0, now=True)
        self.set(stem, MUTE, 0.0, now=False)

    def gain_at(self, stem: int, frame: int) -> float:
        """The gain (mute included) stem `stem` gets at output frame `frame`, as far as the
        callback has been told."""
        a, b = self._from[stem], self._to[stem]
        t = (frame - self._start[stem] + 1) / self._len[stem]
        return a + (b - a) * min(max(t, 0.0), 1.0)

    # -- callback side -------------------------------------------------------------------------
    def mix(self, layers: np.ndarray, out: np.ndarray, frame: int, downbeat: int = -1) -> None:
        """Weigh `layers` [n, stems] in place and write `out` [n, channels] (see the module
        docstring); `downbeat`: the frame where a bar began in this block, or -1."""
        n = len(layers)
        published = self.published
        if published != self._consumed:
            self._take(frame, n)
            self._consumed = published
        if downbeat >= frame and self._waiting:
            k = downbeat - frame
            self._weigh(layers[:k], frame)
            self._land(downbeat)
            self._weigh(layers[k:], downbeat)
        else:
            self._weigh(layers, frame)
        mix = self._mix[:n]
        np.copyto(mix, layers[:, 0])
        for i in range(1, len(self.stems)):
            np.add(mix, layers[:, i], out=mix)  # in stem order, as every mix is summed
        for c in range(self.channels):
            if c < 2:
                np.copyto(out[:, c], mix)
            elif c < 2 + 2 * len(self.stems):
                np.copyto(out[:, c], layers[:, (c - 2) // 2])
            else:
                out[:, c] = 0.0

    def _effective(self, i: int) -> float:
        return 0.0 if self._mute[i] else self._gain[i]

    def _take(self, frame: int, n: int) -> None:
        """Read the slots the control side changed: immediate changes ramp over this block,
        downbeat changes are armed."""
        for i in range(len(self.stems)):
            moved = False
            for field in (GAIN, MUTE):
                seq_now, seq_db = self._seq[field][NOW][i], self._seq[field][DOWNBEAT][i]
                fresh_now = seq_now != self._seen[field][NOW][i]
                fresh_db = seq_db != self._seen[field][DOWNBEAT][i]
                if fresh_now:
                    self._put(field, i, self._value[field][NOW][i])
                    self._seen[field][NOW][i] = seq_now
                    moved = True
                if fresh_db and seq_db > seq_now:
                    self._arm(field, i, self._value[field][DOWNBEAT][i])
                elif fresh_now and seq_now > seq_db:
                    self._arm(field, i, None)  # the later immediate change wins
                self._seen[field][DOWNBEAT][i] = seq_db
            if moved:
                self._ramp(i, frame, n)

    def _put(self, field: int, i: int, value: float) -> None:
        if field == GAIN:
            self._gain[i] = value
        else:
            self._mute[i] = value >= 0.5

    def _arm(self, field: int, i: int, value: float | None) -> None:
        was = self._armed[GAIN][i] is not None or self._armed[MUTE][i] is not None
        self._armed[field][i] = value
        now = self._armed[GAIN][i] is not None or self._armed[MUTE][i] is not None
        self._waiting += int(now) - int(was)

    def _land(self, frame: int) -> None:
        for i in range(len(self.stems)):
            moved = False
            for field in (GAIN, MUTE):
                value = self._armed[field][i]
                if value is not None:
                    self._put(field, i, value)
                    moved = True
            if moved:
                self._armed[GAIN][i] = self._armed[MUTE][i] = None
                self._ramp(i, frame, self.fade)
        self._waiting = 0
        self.landed = frame

    def _ramp(self, i: int, frame: int, length: int) -> None:
        self._from[i] = self.gain_at(i, frame - 1)
        self._to[i] = self._effective(i)
        self._start[i], self._len[i] = frame, max(1, length)

    def _weigh(self, layers: np.ndarray, frame: int) -> None:
        """Multiply each layer by its stem's gain over frames [frame, frame + len(layers))."""
        m = len(layers)
        if m == 0:
            return
        for i in range(len(self.stems)):
            col = layers[:, i]
            a, b, start, length = self._from[i], self._to[i], self._start[i], self._len[i]
            if frame >= start + length - 1 or m > len(self._steps):
                if b != 1.0:
                    np.multiply(col, b, out=col)
            elif frame + m <= start:
                if a != 1.0:
                    np.multiply(col, a, out=col)
            else:  # g[j] = a + (b - a) · clip((frame + j - start + 1) / length, 0, 1)
                g = self._g[:m]
                np.add(self._steps[:m], float(frame - start), out=g)
                np.multiply(g, 1.0 / length, out=g)
                np.clip(g, 0.0, 1.0, out=g)
                np.multiply(g, b - a, out=g)
                np.add(g, a, out=g)
                np.multiply(col, g, out=col)
