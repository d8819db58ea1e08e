"""Codec losses and measures: multi-scale mel, SI-SDR, adversarial terms (the onset measure of
`eval codec` is `livegen.dsp.onset`'s envelope: one copy).

The same functions serve as training losses (differentiable) and as evaluation measures, so
"the mel distance went down in training" and "the eval table's mel distance" are one quantity.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from livegen import SAMPLE_RATE

EPS = 1e-5  # floor of magnitudes before the log (-100 dB): silence does not dominate the loss
DEFAULT_SCALES = (64, 128, 256, 512, 1024, 2048)  # STFT sizes: short ones keep kick/hat attacks


class MelSpectrogram(nn.Module):
    """Magnitude mel spectrogram, Hann window, hop n_fft/4.

    Args:
        n_fft (int): FFT size (= window length).
        n_mels (int): mel bands.
        sample_rate (int): audio rate in Hz.
        power (float): 1 for magnitude, 2 for power.
    """

    def __init__(self, n_fft: int, n_mels: int, sample_rate: int = SAMPLE_RATE, power: float = 1.0):
        super().__init__()
        from torchaudio.functional import melscale_fbanks

        self.n_fft = n_fft
        self.hop = n_fft // 4
        self.power = power
        fb = melscale_fbanks(n_fft // 2 + 1, 0.0, sample_rate / 2, n_mels, sample_rate, "slaney")
        self.fb: torch.Tensor
        self.window: torch.Tensor
        self.register_buffer("fb", fb.T.contiguous(), persistent=False)  # (M, F)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Audio [B, N] or [B, 1, N] → mel [B, M, frames]."""
        x = x.reshape(-1, x.shape[-1])
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window, return_complex=True)
        mag = spec.abs()
        if self.power != 1.0:
            mag = mag**self.power
        return torch.matmul(self.fb, mag)


def n_mels_for(n_fft: int) -> int:
    """Mel bands per scale: about one band per 8 FFT bins, 8 to 128 (no empty filters)."""
    return int(min(128, max(8, n_fft // 8)))


class MultiScaleMelLoss(nn.Module):
    """Sum over STFT scales of L1 on log-mel plus L1 on linear mel (DAC/EnCodec style), averaged.

    Args:
        scales (tuple[int, ...]): FFT sizes.
        sample_rate (int): audio rate in Hz.
    """

    def __init__(self, scales: tuple[int, ...] = DEFAULT_SCALES, sample_rate: int = SAMPLE_RATE):
        super().__init__()
        self.mels = nn.ModuleList(MelSpectrogram(n, n_mels_for(n), sample_rate) for n in scales)

    def forward(self, est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        loss = est.new_zeros(())
        for mel in self.mels:
            m_est, m_ref = mel(est), mel(ref)
            loss = loss + F.l1_loss(
                torch.log10(m_est.clamp_min(EPS)), torch.log10(m_ref.clamp_min(EPS))
            )
            loss = loss + F.l1_loss(m_est, m_ref)
        return loss / len(self.mels)

    @torch.no_grad()
    def distance(self, est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        """The evaluation measure: per item [B], mean over scales of |Δ log10 mel| (0 = identical)."""
        total = est.new_zeros(est.reshape(-1, est.shape[-1]).shape[0])
        for mel in self.mels:
            diff = torch.log10(mel(est).clamp_min(EPS)) - torch.log10(mel(ref).clamp_min(EPS))
            total = total + diff.abs().mean(dim=(1, 2))
        return total / len(self.mels)


def si_sdr(est: torch.Tensor, ref: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale-invariant SDR in dB per item [B] (Le Roux et al. 2019), signals zero-meaned."""
    est = est.reshape(-1, est.shape[-1]).double()
    ref = ref.reshape(-1, ref.shape[-1]).double()
    est = est - est.mean(dim=-1, keepdim=True)
    ref = ref - ref.mean(dim=-1, keepdim=True)
    alpha = (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + eps)
    target = alpha * ref
    noise = est - target
    ratio = target.pow(2).sum(-1) / (noise.pow(2).sum(-1) + eps)
    return (10 * torch.log10(ratio + eps)).float()


# Adversarial terms (hinge GAN + relative feature matching, as in EnCodec).


def discriminator_loss(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    loss = real[0].new_zeros(())
    for r, f in zip(real, fake, strict=True):
        loss = loss + F.relu(1 - r).mean() + F.relu(1 + f).mean()
    return loss / len(real)


def generator_adv_loss(fake: list[torch.Tensor]) -> torch.Tensor:
    return sum((F.relu(1 - f).mean() for f in fake), fake[0].new_zeros(())) / len(fake)


def feature_matching_loss(
    real_maps: list[list[torch.Tensor]], fake_maps: list[list[torch.Tensor]]
) -> torch.Tensor:
    loss = real_maps[0][0].new_zeros(())
    n = 0
    for rs, fs in zip(real_maps, fake_maps, strict=True):
        for r, f in zip(rs, fs, strict=True):
            loss = loss + F.l1_loss(f, r.detach()) / (r.detach().abs().mean() + 1e-8)
            n += 1
    return loss / max(n, 1)


def critic_step(disc: nn.Module, opt: torch.optim.Optimizer, real: torch.Tensor,
                fake: torch.Tensor) -> float:  # fmt: skip
    """One hinge step of the critic on real and decoded audio (`fake` is detached), both in one
    forward (DDP-friendly: one call per step); returns its loss."""
    logits, _ = disc(torch.cat([real, fake.detach()]))
    n = real.shape[0]
    loss = discriminator_loss([lg[:n] for lg in logits], [lg[n:] for lg in logits])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


def adversarial_terms(
    disc: nn.Module, real: torch.Tensor, fake: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(hinge generator loss, feature matching) of `fake` through the critic; the critic's
    weights get no gradient from them (nor DDP hooks: pass the unwrapped module)."""
    disc.requires_grad_(False)
    try:
        logits_fake, fmap_fake = disc(fake)
        with torch.no_grad():
            _, fmap_real = disc(real)
    finally:
        disc.requires_grad_(True)
    return generator_adv_loss(logits_fake), feature_matching_loss(fmap_real, fmap_fake)
