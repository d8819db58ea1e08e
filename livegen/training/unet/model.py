"""The IADB denoiser: a circular 1D UNet over one bar of codec latents.

What it keeps from the seed project (LADMG) and what it changes:
- GroupNorm + SiLU conv blocks, sinusoidal embedding of 100·α injected with AdaGN
  (a·GN(x) + b), the BPM saw-tooth embedded by a 1x1 conv per level and concatenated between the
  two convs of every block, the concept vector through FiLM inside the same AdaGN (the seed's
  CLAP path). Condition dropout is a zero input: a zero concept selects a learned null embedding,
  a zero phase signal (which never occurs otherwise: sin² + cos² = 1) means "no tempo".
- Circular padding everywhere (`circular=True`): the input is exactly one bar (ceil(n/hop)
  frames), so the network sees a loop's end beside its start and the bar it makes loops by
  construction. Strided convs give ceil(T/2) frames and the way up crops to the skip's length, so
  any T works (odd lengths make the coarse grid slightly irregular across the seam, nothing more).
- 3.4 M parameters instead of 48 M, sized for 8 guided steps per bar on a 2-core CPU.

Inputs of `UNet1d.forward` (also the ONNX graph's): x [B, D, T], alpha [B], phase [B, 6, T]
(9 rows with a note line, `runtime.lines`),
concept [B, C] (absent when concept_dim is 0: a BPM-only model), key [B, K] (stem generators:
one-hot root and mode, zeros = no key; absent when key_dim is 0). A stem generator's x stacks
its stems' latents ([drums; bass; music], D = 3 · the codec's).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from livegen.runtime.sampler import PHASE_CHANNELS
from livegen.training.unet.carriers import Carriers
from livegen.training.unet.config import UNetConfig


class CConv1d(nn.Module):
    """Conv1d with 'same' circular (or zero) padding; stride 2 gives ceil(T / 2) frames.

    The wrap is sliced as `x[..., t - p:]`: the ONNX exporter turned `x[..., -p:]` into a slice
    with a wrong constant start (the graph then failed at other lengths than the example's).
    """

    def __init__(
        self, cin: int, cout: int, kernel: int = 3, stride: int = 1, circular: bool = True
    ):
        super().__init__()
        self.pad = (kernel - 1) // 2
        self.circular = circular
        self.conv = nn.Conv1d(cin, cout, kernel, stride, padding=0 if circular else self.pad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.circular and self.pad:
            p, t = self.pad, x.shape[-1]
            x = torch.cat([x[..., t - p :], x, x[..., :p]], dim=-1)  # t - p, not -p: see below
        return self.conv(x)


def zero_init(conv: nn.Conv1d) -> None:
    """Start a residual branch (or the output) at zero: the block is the identity at first."""
    nn.init.zeros_(conv.weight)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class AdaGN(nn.Module):
    """GroupNorm whose scale and shift come from the embedding: GN(x) · (1 + s) + b."""

    def __init__(self, channels: int, emb_dim: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(math.gcd(groups, channels), channels, affine=False)
        self.proj = nn.Linear(emb_dim, 2 * channels)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        s, b = self.proj(emb).unsqueeze(-1).chunk(2, dim=1)  # [B, C, 1] each
        return self.norm(x) * (1 + s) + b


class ResBlock(nn.Module):
    """AdaGN → SiLU → conv, then AdaGN → SiLU → [concat phase embedding] → conv, plus a skip.

    Args:
        cin, cout: channels in and out.
        emb_dim: size of the (α + concept) embedding.
        phase_emb: channels of the phase embedding concatenated before the second conv.
        groups: GroupNorm groups.
        circular: circular padding.
    """

    def __init__(
        self, cin: int, cout: int, emb_dim: int, phase_emb: int, groups: int, circular: bool
    ):
        super().__init__()
        self.n1 = AdaGN(cin, emb_dim, groups)
        self.c1 = CConv1d(cin, cout, circular=circular)
        self.n2 = AdaGN(cout, emb_dim, groups)
        self.c2 = CConv1d(cout + phase_emb, cout, circular=circular)
        zero_init(self.c2.conv)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x, emb)))
        h = F.silu(self.n2(h, emb))
        h = self.c2(torch.cat([h, phase], dim=1))
        return h + self.skip(x)


class Attention(nn.Module):
    """Multi-head self-attention over time with a residual (zero-initialised output).

    Written with plain matmuls (exports to any ONNX opset). Placed at the bottom level only,
    where T/16 ≈ 9 frames cost nothing, so every frame of the bar can see every other one.

    Args:
        channels: C of x [B, C, T]; must divide by `heads`.
        heads: attention heads.
        groups: GroupNorm groups of the pre-norm.
    """

    def __init__(self, channels: int, heads: int, groups: int):
        super().__init__()
        if channels % heads:
            raise ValueError(f"attention: {channels} channels do not split into {heads} heads")
        self.heads = heads
        self.norm = nn.GroupNorm(math.gcd(groups, channels), channels)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj = nn.Conv1d(channels, channels, 1)
        zero_init(self.proj)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3 * self.heads, c // self.heads, t).chunk(3, 1)
        w = torch.softmax(q.transpose(2, 3) @ k / math.sqrt(c // self.heads), dim=-1)  # [B,h,T,T]
        h = (v @ w.transpose(2, 3)).reshape(b, c, t)  # [B, h, C/h, T] → [B, C, T]
        return x + self.proj(h)


def time_embedding(alpha: torch.Tensor, freqs: int) -> torch.Tensor:
    """sin/cos of 100·α at geometric frequencies: [B] → [B, 2·freqs]."""
    k = torch.arange(freqs, device=alpha.device, dtype=torch.float32)
    f = torch.exp(-math.log(1000.0) * k / freqs)
    arg = 100.0 * alpha.float()[:, None] * f[None]
    return torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)


class UNet1d(nn.Module):
    """Predicts the IADB direction x1 − x0 from x_α, α, the tempo phase and a concept vector.

    Args:
        cfg (UNetConfig): widths per level, blocks, embedding sizes, concept size, padding.
    """

    def __init__(self, cfg: UNetConfig):
        super().__init__()
        self.cfg = cfg
        ch, e, g, c = cfg.channels, cfg.emb_dim, cfg.groups, cfg.circular
        pe = cfg.phase_emb
        self.levels = len(ch)
        self.time_mlp = nn.Sequential(nn.Linear(2 * cfg.time_freqs, e), nn.SiLU(), nn.Linear(e, e))
        if cfg.concept_dim:
            self.concept_mlp = nn.Sequential(
                nn.Linear(cfg.concept_dim, e), nn.SiLU(), nn.Linear(e, e)
            )
            self.null_concept = nn.Parameter(torch.zeros(e))
        if cfg.key_dim:
            self.key_mlp = nn.Sequential(nn.Linear(cfg.key_dim, e), nn.SiLU(), nn.Linear(e, e))
            self.null_key = nn.Parameter(torch.zeros(e))
        self.phase_in = nn.ModuleList(nn.Conv1d(cfg.phase_channels, pe, 1) for _ in ch)
        self.inp = CConv1d(cfg.latent_dim, ch[0], circular=c)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        for lv in range(self.levels - 1):
            cin = ch[lv - 1] if lv else ch[0]
            self.down.append(
                nn.ModuleList(
                    ResBlock(cin if i == 0 else ch[lv], ch[lv], e, pe, g, c)
                    for i in range(cfg.blocks)
                )
            )
            self.downsample.append(CConv1d(ch[lv], ch[lv], 3, stride=2, circular=c))
        self.mid = nn.ModuleList(
            ResBlock(ch[-2] if i == 0 else ch[-1], ch[-1], e, pe, g, c)
            for i in range(cfg.mid_blocks)
        )
        self.mid_attn = nn.ModuleList(
            Attention(ch[-1], cfg.attn_heads, g) if cfg.attn_heads else nn.Identity()
            for _ in range(cfg.mid_blocks)
        )
        self.upconv = nn.ModuleList()
        self.up = nn.ModuleList()
        for lv in range(self.levels - 1):
            self.upconv.append(CConv1d(ch[lv + 1], ch[lv], circular=c))
            self.up.append(
                nn.ModuleList(
                    ResBlock(2 * ch[lv] if i == 0 else ch[lv], ch[lv], e, pe, g, c)
                    for i in range(cfg.blocks)
                )
            )
        self.out_norm = nn.GroupNorm(math.gcd(g, ch[0]), ch[0])
        self.out = CConv1d(ch[0], cfg.latent_dim, circular=c)
        zero_init(self.out.conv)
        if cfg.carriers:  # the tempered notes' oscillations at the top level (unet.carriers)
            lo, hi = cfg.carriers
            self.carriers = Carriers((lo, hi), cfg.frame_rate, cfg.latent_dim, ch[0])
        if cfg.line:  # the note line's own carrier, rows 6-7 of the phase input (runtime.lines)
            self.line = Carriers(None, cfg.frame_rate, cfg.latent_dim, ch[0])

    def embed(
        self, alpha: torch.Tensor, concept: torch.Tensor | None, key: torch.Tensor | None = None
    ) -> torch.Tensor:
        """SiLU of the α embedding plus the concept's and the key's (each: the learned null for
        a zero vector)."""
        emb = self.time_mlp(time_embedding(alpha, self.cfg.time_freqs))
        if self.cfg.concept_dim and concept is not None:
            has = (concept.abs().sum(dim=1, keepdim=True) > 0).to(emb.dtype)  # [B, 1]
            emb = emb + has * self.concept_mlp(concept) + (1 - has) * self.null_concept
        if self.cfg.key_dim and key is not None:
            has = (key.abs().sum(dim=1, keepdim=True) > 0).to(emb.dtype)
            emb = emb + has * self.key_mlp(key) + (1 - has) * self.null_key
        return F.silu(emb)

    def forward(
        self,
        x: torch.Tensor,
        alpha: torch.Tensor,
        phase: torch.Tensor,
        concept: torch.Tensor | None = None,
        key: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x [B, D, T], alpha [B], phase [B, P, T], concept [B, C], key [B, K] → x1 − x0
        estimate [B, D, T]."""
        emb = self.embed(alpha, concept, key)
        phases = [self.phase_in[lv](phase[..., :: 2**lv]) for lv in range(self.levels)]
        h = self.inp(x)
        if self.cfg.carriers:  # the bank's waves once, for both paths
            waves = self.carriers.waves(x.shape[-1], x)
            heard, pair = self.carriers.read(x, waves)
            h = h + heard
        if self.cfg.line:
            given = (
                phase[:, PHASE_CHANNELS : PHASE_CHANNELS + 1],
                phase[:, PHASE_CHANNELS + 1 : PHASE_CHANNELS + 2],
            )
            heard_line, pair_line = self.line.read(x, given)
            h = h + heard_line
        skips = []
        for lv in range(self.levels - 1):
            for block in self.down[lv]:  # type: ignore[attr-defined]
                h = block(h, emb, phases[lv])
            skips.append(h)
            h = self.downsample[lv](h)
        for block, attn in zip(self.mid, self.mid_attn, strict=True):
            h = attn(block(h, emb, phases[-1]))
        for lv in reversed(range(self.levels - 1)):
            skip = skips[lv]
            h = torch.repeat_interleave(h, 2, dim=-1)[..., : skip.shape[-1]]
            h = self.upconv[lv](h)
            for i, block in enumerate(self.up[lv]):  # type: ignore[arg-type]
                h = block(torch.cat([h, skip], dim=1) if i == 0 else h, emb, phases[lv])
        top = F.silu(self.out_norm(h))
        out = self.out(top)
        if self.cfg.carriers:
            out = out + self.carriers.write(top, pair, waves)
        if self.cfg.line:
            out = out + self.line.write(top, pair_line, given)
        return out


class TorchDenoiser:
    """The torch model behind the sampler's denoiser protocol (numpy in, numpy out)."""

    def __init__(self, model: UNet1d, device: str | torch.device = "cpu"):
        self.model = model.eval()
        self.device = torch.device(device)
        self.calls = 0

    @torch.no_grad()
    def __call__(self, x: np.ndarray, alpha: np.ndarray, cond) -> np.ndarray:
        self.calls += 1
        t = {k: torch.from_numpy(np.ascontiguousarray(v)).to(self.device) for k, v in cond.items()}
        out = self.model(
            torch.from_numpy(np.ascontiguousarray(x)).to(self.device),
            torch.from_numpy(np.ascontiguousarray(alpha, np.float32)).to(self.device),
            t["phase"],
            t.get("concept"),
            t.get("key"),
        )
        return out.float().cpu().numpy()
