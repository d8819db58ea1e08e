"""The trainable parts of livegen-clap (torch): text head, audio tower, attribute head.

Text: the frozen MiniLM embeds each clause of a prompt (see `livegen.runtime.concept.text`); the head
maps positive and negated clauses through separate MLPs, averages each group, adds the stated
tempo and projects to the joint space. Audio: a small 1-D CNN over log-mel frames (mel bins as
channels) with mean+max pooling over time. Both end L2-normalised in the same D-dim space.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from livegen.runtime.concept.mel import MelConfig
from livegen.training.concept.prompts import BINARY, CATEGORICAL


@dataclass
class ConceptConfig:
    """Architecture of the trainable heads (saved in checkpoints and the manifest)."""

    dim: int = 128  # joint space
    text_in: int = 384  # MiniLM sentence embedding
    text_hidden: int = 384
    audio_channels: int = 128  # CNN width (doubles in the last stage)
    dropout: float = 0.1
    # Dilated residual blocks after the last pooling: rhythm (a kick on every beat, offbeat
    # hats) is a pattern across beats, which the short-context stack alone cannot see.
    audio_context: int = 0
    mel: dict = field(default_factory=lambda: MelConfig().to_dict())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ConceptConfig:
        return cls(**d)


def _mlp(n_in: int, n_hidden: int, n_out: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, n_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(n_hidden, n_out)
    )


class TextHead(nn.Module):
    """Clause embeddings → joint-space text embedding.

    Args:
        cfg (ConceptConfig): sizes.

    Inputs: clauses [B, S, 384] (unit MiniLM vectors), negated [B, S] (0/1), valid [B, S] (0/1),
    tempo [B, 2] (`text.tempo_features`). Output: [B, D], unit norm.
    """

    def __init__(self, cfg: ConceptConfig):
        super().__init__()
        h = cfg.text_hidden
        self.pos = _mlp(cfg.text_in, h, h, cfg.dropout)
        self.neg = _mlp(cfg.text_in, h, h, cfg.dropout)
        self.tempo = nn.Linear(2, h)
        self.out = _mlp(3 * h, h, cfg.dim, cfg.dropout)

    def forward(self, clauses, negated, valid, tempo):
        pos_w = valid * (1.0 - negated)  # [B, S]
        neg_w = valid * negated
        pooled_pos = (self.pos(clauses) * pos_w.unsqueeze(-1)).sum(1)
        pooled_pos = pooled_pos / pos_w.sum(1, keepdim=True).clamp(min=1.0)  # [B, H]
        pooled_neg = (self.neg(clauses) * neg_w.unsqueeze(-1)).sum(1)
        pooled_neg = pooled_neg / neg_w.sum(1, keepdim=True).clamp(min=1.0)
        x = torch.cat([pooled_pos, pooled_neg, self.tempo(tempo)], dim=-1)  # [B, 3H]
        return F.normalize(self.out(x), dim=-1)


class AudioTower(nn.Module):
    """Log-mel windows [B, M, T] → joint-space audio embedding [B, D], unit norm.

    Level-invariant: each window's mean log power is removed first, so the gain of an audio
    prompt does not move its embedding.

    Args:
        cfg (ConceptConfig): sizes (mel bins from cfg.mel).
    """

    def __init__(self, cfg: ConceptConfig):
        super().__init__()
        m, c = int(cfg.mel["n_mels"]), cfg.audio_channels

        def block(n_in: int, n_out: int, k: int = 3) -> list[nn.Module]:
            return [nn.Conv1d(n_in, n_out, k, padding=k // 2), nn.BatchNorm1d(n_out), nn.GELU()]

        self.norm = nn.BatchNorm1d(m)
        self.net = nn.Sequential(
            *block(m, c, 5),
            *block(c, c),
            nn.MaxPool1d(2),  # T/2
            *block(c, c),
            nn.MaxPool1d(2),  # T/4
            *block(c, 2 * c),
            nn.MaxPool1d(2),  # T/8
            *block(2 * c, 2 * c),
        )
        self.context = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(2 * c, 2 * c, 3, padding=2**i, dilation=2**i),
                nn.BatchNorm1d(2 * c),
                nn.GELU(),
            )
            for i in range(1, cfg.audio_context + 1)
        )
        self.out = _mlp(4 * c, 2 * c, cfg.dim, cfg.dropout)

    def forward(self, mel):
        x = mel - mel.mean(dim=(1, 2), keepdim=True)
        h = self.net(self.norm(x))  # [B, 2C, T/8]
        for block in self.context:
            h = h + block(h)
        pooled = torch.cat([h.mean(-1), h.amax(-1)], dim=-1)  # [B, 4C]
        return F.normalize(self.out(pooled), dim=-1)


N_ATTR_OUT = len(BINARY) + sum(len(v) for v in CATEGORICAL.values())


class ConceptModel(nn.Module):
    """Text head + audio tower + a shared linear attribute read-out on the joint space.

    Args:
        cfg (ConceptConfig): sizes.
    """

    def __init__(self, cfg: ConceptConfig):
        super().__init__()
        self.cfg = cfg
        self.text = TextHead(cfg)
        self.audio = AudioTower(cfg)
        self.attributes = nn.Linear(cfg.dim, N_ATTR_OUT)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))  # ln(1 / 0.07), as CLIP

    def read_attributes(self, z) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Joint-space vectors [B, D] → binary logits [B, len(BINARY)], categorical logits."""
        out = self.attributes(z * 8.0)
        nb = len(BINARY)
        cats, start = {}, nb
        for name, values in CATEGORICAL.items():
            cats[name] = out[:, start : start + len(values)]
            start += len(values)
        return out[:, :nb], cats
