"""Pitch carriers: the tempered notes' oscillations, handed to the UNet at its full frame rate.

Why: the codec writes a held note into its latents as an oscillation along time at the note's
frequency folded to the frame rate (75 Hz frames: a 55 Hz saw is a line at 20 Hz, 98 Hz one at
23 Hz; the line holds a quarter to two fifths of the latents' variance). A pitch is therefore a
fast, exact oscillation, which is what a small UNet renders worst: its lower levels run at T/2,
T/4, ... and cannot hold a line above their Nyquist, and its top level sees a few frames. So the
generated bass drifts between semitones (on the tempered grid at chance level) although the codec
keeps it on the grid. The carriers give the network the oscillation of every tempered note from
`lo` to `hi` (MIDI), turning "make an exact fast line" into "choose slow weights":
- read: a few learned projections of x, times cos and sin of each carrier, then a short moving
  average: a note present in x_α becomes a slow amplitude and phase (a lock-in amplifier), which
  the whole UNet, its coarse levels included, can see;
- write: two slow coefficients per carrier (P, Q), from the top level's features plus the first
  projection's demodulated pair; P·cos, P·sin, Q·cos and Q·sin mapped to the latent channels are
  added to the output. With x_d = A_d cos(2πνt + φ + θ_d) for a note, P = cos φ and Q = sin φ
  reproduce every channel exactly. The demodulated pair enters P, Q with weight 1 at the start, so
  the write path begins as a narrowband filter bank on x_α whose output weights learn at once:
  with coefficients from the top features alone (untrained, blind to a note's phase) its gradient
  was noise with no direction, and the path never learned (a run's losses matched the plain
  one's to 4 decimals over 2,000 steps).
Both paths end in zero-initialised convs, so a trained UNet gains them without changing its output.
The carrier frequencies are computed from the frame count inside the graph: the ONNX inputs stay
the same, and the runtime needs no change.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from livegen.dsp.notes import midi_hz


def carrier_cycles(lo: int, hi: int, frame_rate: float) -> np.ndarray:
    """Cycles per latent frame of the tempered notes lo..hi (MIDI, A4 = 440 Hz), folded into
    [0, 1): the frequency each note's oscillation takes in the latents."""
    return np.mod(midi_hz(np.arange(lo, hi + 1)) / frame_rate, 1.0)


class Carriers(nn.Module):
    """The read (into the top level) and write (onto the output) paths of the pitch carriers.

    Args:
        notes (tuple[int, int] | None): MIDI range lo, hi of the carriers; None: one carrier,
            given to `read` and `write` (a note line's, `runtime.lines`).
        frame_rate (float): latent frames per second (the codec's).
        latent_dim (int): channels of x and of the output.
        width (int): channels of the UNet's top level.
        projections (int): learned views of x that are demodulated.
        smooth (int): frames of the moving average after demodulation (odd).
    """

    def __init__(
        self,
        notes: tuple[int, int] | None,
        frame_rate: float,
        latent_dim: int,
        width: int,
        projections: int = 4,
        smooth: int = 5,
    ):
        super().__init__()
        if notes is not None and notes[1] < notes[0]:
            raise ValueError(f"carriers: notes {notes[0]}..{notes[1]} is an empty range")
        nu = carrier_cycles(*notes, frame_rate) if notes is not None else np.zeros(1)
        self.k = len(nu)
        self.nu: torch.Tensor
        self.smooth = smooth
        self.register_buffer("nu", torch.tensor(nu, dtype=torch.float32), persistent=False)
        self.proj = nn.Conv1d(latent_dim, projections, 1)
        self.demod = nn.Conv1d(2 * projections * self.k, width, 1)
        # P, Q from the top features and the first projection's demodulated pair (weight 1)
        self.coef = nn.Conv1d(width + 2 * self.k, 2 * self.k, 1)
        self.remod = nn.Conv1d(4 * self.k, latent_dim, 1)
        for conv in (self.demod, self.coef, self.remod):
            nn.init.zeros_(conv.weight)
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)
        with torch.no_grad():
            self.coef.weight[:, width:, 0] = torch.eye(2 * self.k)

    def waves(self, frames: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cos and sin of every carrier over `frames` frames: [K, T] each. The phase is reduced
        to one cycle before the sine so that float32 stays exact at any frame count."""
        t = torch.arange(frames, device=like.device, dtype=torch.float32)
        cyc = self.nu[:, None] * t[None]
        arg = 2.0 * math.pi * (cyc - torch.floor(cyc))
        return torch.cos(arg).to(like.dtype), torch.sin(arg).to(like.dtype)

    def read(
        self, x: torch.Tensor, waves: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x [B, D, T] → ([B, width, T] for the top level, [B, 2K, T] the first projection's
        demodulated pair for `write`): x's projections times every carrier, averaged over `smooth`
        frames (circularly: the bar is one period). `waves`: cos, sin ([K, T] from `waves`, or a
        given carrier's [B, 1, T]); None: the bank's, computed here."""
        t = x.shape[-1]
        cos, sin = self.waves(t, x) if waves is None else waves
        u = self.proj(x)
        # [B, 1, T] x [K, T] per projection, concatenated: no reshape, which the ONNX exporter
        # froze to the example's batch
        views = [u[:, i : i + 1] for i in range(u.shape[1])]
        f = torch.cat([v * w for v in views for w in (cos, sin)], dim=1)
        if self.smooth > 1:
            p = self.smooth // 2
            f = F.avg_pool1d(torch.cat([f[..., t - p :], f, f[..., :p]], dim=-1), self.smooth, 1)
        return self.demod(f), f[:, : 2 * self.k]

    def write(
        self,
        h: torch.Tensor,
        pair: torch.Tensor,
        waves: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Top-level features h [B, width, T] and `read`'s pair → [B, D, T]: slow coefficients
        remodulated (`waves` as in `read`)."""
        cos, sin = self.waves(h.shape[-1], h) if waves is None else waves
        a = self.coef(torch.cat([h, pair], dim=1))
        p, q = a[:, : self.k], a[:, self.k :]
        return self.remod(torch.cat([p * cos, p * sin, q * cos, q * sin], dim=1))
