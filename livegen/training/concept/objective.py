"""The concept encoder's loss: multi-positive InfoNCE plus an attribute read-out (torch).

Kept apart from the trainer so the objective reads as one piece of maths: which texts fit which
loops, the symmetric contrastive term over those targets, and the attribute terms that put
"no kick" in text and a kickless loop on the same side of the same direction.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from livegen.training.concept.model import BINARY, CATEGORICAL, ConceptModel


def fitting_pairs(cons: torch.Tensor, attrs: torch.Tensor, caption: torch.Tensor) -> torch.Tensor:
    """Which loop each text describes [B_text, B_audio]: a structured prompt every loop that
    meets its constraints (`cons` [B, K], -1 = free), a caption only its own loop."""
    fits = ((cons[:, None, :] < 0) | (cons[:, None, :] == attrs[None, :, :])).all(-1)
    eye = torch.eye(len(cons), dtype=torch.bool)
    return torch.where(caption[:, None], eye, fits) | eye


def info_nce(logits: torch.Tensor, fits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE with several positives per row and column (CLIP, multi-positive)."""
    target = fits.float()
    t2a = -(F.log_softmax(logits, 1) * target / target.sum(1, keepdim=True)).sum(1).mean()
    a2t = -(F.log_softmax(logits, 0) * target / target.sum(0, keepdim=True)).sum(0).mean()
    return 0.5 * (t2a + a2t)


def attribute_loss(
    model: ConceptModel,
    t: torch.Tensor,
    a: torch.Tensor,
    cons: torch.Tensor,
    attrs: torch.Tensor,
    audio_too: bool = True,
) -> torch.Tensor:
    """Attribute read-out: audio knows every attribute; text only what it constrains.

    `audio_too=False` leaves the audio side out (a frozen tower has nothing to learn from it).
    """
    nb = len(BINARY)
    bin_t, cat_t = model.read_attributes(t)
    mask = (cons[:, :nb] >= 0).float()
    bce_t = F.binary_cross_entropy_with_logits(
        bin_t, cons[:, :nb].clamp(min=0).float(), reduction="none"
    )
    aux = (bce_t * mask).sum() / mask.sum().clamp(min=1.0)
    for k, name in enumerate(CATEGORICAL, start=nb):
        if (cons[:, k] >= 0).any():
            aux = aux + F.cross_entropy(cat_t[name], cons[:, k], ignore_index=-1) / len(CATEGORICAL)
    if audio_too:
        bin_a, cat_a = model.read_attributes(a)
        aux = aux + F.binary_cross_entropy_with_logits(bin_a, attrs[:, :nb].float())
        for k, name in enumerate(CATEGORICAL, start=nb):
            aux = aux + F.cross_entropy(cat_a[name], attrs[:, k]) / len(CATEGORICAL)
    return aux
