"""The codec at run time: ONNX encoder/decoder from a verified model package, numpy in and out.

Latent convention (same as the torch codec and the diffusion model): the ONNX graphs produce and
consume *raw* latents; the diffusion model lives in *normalised* space
`(z - mean) / std` with the per-channel statistics of the manifest. `encode` and `decode` work in
normalised space unless `normalized=False`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from livegen.runtime.manifest import Manifest, ModelFileError, load_manifest
from livegen.runtime.session import create_session, provider, warm_up

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class CodecSpec:
    """What the manifest's "codec" section promises about the graphs."""

    sample_rate: int
    hop: int
    latent_dim: int
    min_frames: int
    mean: Array  # [D]
    std: Array  # [D]

    @classmethod
    def from_section(cls, section: dict, where: Path) -> CodecSpec:
        try:
            stats = section["stats"]
            spec = cls(
                sample_rate=int(section["sample_rate"]),
                hop=int(section["hop"]),
                latent_dim=int(section["latent_dim"]),
                min_frames=int(section.get("min_frames", 8)),
                mean=np.asarray(stats["mean"], np.float32),
                std=np.asarray(stats["std"], np.float32),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: codec section incomplete ({exc!r})") from exc
        if spec.mean.shape != (spec.latent_dim,) or spec.std.shape != (spec.latent_dim,):
            raise ModelFileError(f"{where}: codec stats do not have latent_dim={spec.latent_dim}")
        if not np.all(spec.std > 0):
            raise ModelFileError(f"{where}: codec stats std must be positive")
        return spec


class Codec:
    """ONNX codec: audio [B, N] ↔ latents [B, D, T], T = ceil(N / hop).

    Args:
        spec (CodecSpec): rates, sizes and latent statistics.
        decoder (ort.InferenceSession): latents [B, D, T] → audio [B, 1, T * hop].
        encoder (ort.InferenceSession | None): audio [B, 1, N] (N a multiple of hop) → latents.
    """

    def __init__(
        self,
        spec: CodecSpec,
        decoder: ort.InferenceSession,
        encoder: ort.InferenceSession | None = None,
    ):
        self.spec = spec
        self.decoder = decoder
        self.encoder = encoder
        self._dec_in = decoder.get_inputs()[0].name
        self._enc_in = encoder.get_inputs()[0].name if encoder is not None else ""
        self._mean = spec.mean[None, :, None]
        self._std = spec.std[None, :, None]

    @classmethod
    def load(
        cls,
        model_dir: Path,
        device: str = "auto",
        threads: int | None = None,
        with_encoder: bool = True,
        warm: bool = True,
        manifest: Manifest | None = None,
    ) -> Codec:
        """Open the package's codec (hashes verified), optionally without the encoder."""
        manifest = manifest or load_manifest(model_dir)
        section = manifest.section("codec")
        spec = CodecSpec.from_section(section, manifest.root / "manifest.json")
        decoder = create_session(manifest.path(section["decoder"]), device, threads)
        encoder = None
        if with_encoder:
            encoder = create_session(manifest.path(section["encoder"]), device, threads)
        codec = cls(spec, decoder, encoder)
        if warm:
            codec.warm_up()
        return codec

    @property
    def sample_rate(self) -> int:
        return self.spec.sample_rate

    @property
    def hop(self) -> int:
        return self.spec.hop

    @property
    def latent_dim(self) -> int:
        return self.spec.latent_dim

    @property
    def provider(self) -> str:
        return provider(self.decoder)

    def frames_for(self, n_samples: int) -> int:
        """Latent frames that cover `n_samples` of audio."""
        return math.ceil(n_samples / self.hop)

    def warm_up(self, frames: int = 150) -> None:
        z = np.zeros((1, self.latent_dim, frames), np.float32)
        warm_up(self.decoder, {self._dec_in: z})
        if self.encoder is not None:
            warm_up(self.encoder, {self._enc_in: np.zeros((1, 1, frames * self.hop), np.float32)})

    def normalize(self, z: Array) -> Array:
        """Raw latents [B, D, T] → unit-scale latents."""
        return ((z - self._mean) / self._std).astype(np.float32, copy=False)

    def denormalize(self, z: Array) -> Array:
        """Unit-scale latents [B, D, T] → raw latents for the decoder."""
        return (z * self._std + self._mean).astype(np.float32, copy=False)

    def encode(self, audio: npt.ArrayLike, normalized: bool = True) -> Array:
        """Audio [B, N] (or [N]) → latents [B, D, ceil(N / hop)] (or [D, T]).

        The audio is zero-padded to a whole number of hops (at least `min_frames`), exactly as
        the torch codec pads before its encoder, so both give the same latents.
        """
        if self.encoder is None:
            raise RuntimeError("this Codec was loaded without its encoder (with_encoder=False)")
        x = np.asarray(audio, np.float32)
        squeeze = x.ndim == 1
        x = x[None] if squeeze else x
        if x.ndim != 2 or x.shape[1] == 0:
            raise ValueError(f"encode wants audio [B, N] or [N], got shape {x.shape}")
        frames = self.frames_for(x.shape[1])
        padded = max(frames, self.spec.min_frames) * self.hop
        x = np.pad(x, ((0, 0), (0, padded - x.shape[1])))
        z = self.encoder.run(None, {self._enc_in: x[:, None, :]})[0][..., :frames]
        z = self.normalize(z) if normalized else z.astype(np.float32, copy=False)
        return z[0] if squeeze else z

    def decode(
        self, latents: npt.ArrayLike, normalized: bool = True, n_samples: int | None = None
    ) -> Array:
        """Latents [B, D, T] (or [D, T]) → audio [B, T * hop] (or [N]).

        Args:
            latents: unit-scale latents (or raw ones with normalized=False).
            normalized: whether `latents` are in the diffusion model's normalised space.
            n_samples: trim (or zero-pad) the audio to exactly this many samples.
        """
        z = np.asarray(latents, np.float32)
        squeeze = z.ndim == 2
        z = z[None] if squeeze else z
        if z.ndim != 3 or z.shape[1] != self.latent_dim:
            raise ValueError(f"decode wants latents [B, {self.latent_dim}, T], got {z.shape}")
        if z.shape[2] < self.spec.min_frames:
            raise ValueError(
                f"decode needs at least {self.spec.min_frames} frames, got {z.shape[2]}"
            )
        if normalized:
            z = self.denormalize(z)
        y = self.decoder.run(None, {self._dec_in: np.ascontiguousarray(z)})[0][:, 0, :]
        if n_samples is not None:
            y = (
                y[:, :n_samples]
                if y.shape[1] >= n_samples
                else np.pad(y, ((0, 0), (0, n_samples - y.shape[1])))
            )
        return y[0] if squeeze else y
