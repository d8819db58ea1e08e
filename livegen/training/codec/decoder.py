"""`livegen train decoder`: fine-tune a package's codec decoder on the corpus, its encoder frozen.

Why the decoder alone: the codec's round trip is the ceiling of all the generator plays (on the
outside judge's scale the shipped codec sits at 1.88x the floor, the generator at 3.04x), and the
UNet was trained on the shipped encoder's latents. With the encoder frozen the latent space and
its statistics stay, so the shipped UNet plays through the new decoder unchanged (as Stable
Diffusion's VAE decoder was fine-tuned). The codec was trained with 10 x waveform L1 + multi-scale
mel: on noise-like parts (hats, rides, the tails of claps) the waveform L1 is best served by their
mean, so it pulls the highs toward silence. Here the waveform term is weighted down and EnCodec's
MS-STFT discriminator (hinge + feature matching) joins after a warm-up in which it learns alone,
so the decoder's first adversarial gradients come from a critic that already tells real from
decoded.

Latents come from the package's ONNX encoder (the graph the daemon and `train unet` use), encoded
once per loop over two periods so a crop anywhere in the first has its context, and cached in the
run folder. Resumable: `checkpoint.pt` holds decoder, critic, both optimisers and the step.

    livegen train decoder --model default --corpus data/corpus --run-dir runs/decoder
    livegen export decoder --run-dir runs/decoder --model default --out models/mine
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from livegen.training.all.codec import reference_loops
from livegen.training.codec.data import SCALE, LoopBank, batch_rng, to_int16
from livegen.training.codec.losses import (
    MultiScaleMelLoss,
    adversarial_terms,
    critic_step,
    si_sdr,
)
from livegen.training.common import ConfigDict, TrainerCommon, lr_at, start_run_info
from livegen.training.dist import Dist, MetricsLog

CHECKPOINT_FORMAT = "livegen-decoder-finetune"
EDGE_FRAMES = 4  # the decoder's receptive field at a crop's edges sees padding: not scored


@dataclass(frozen=True)
class DecoderTrainConfig(ConfigDict):
    """How the decoder is fine-tuned (saved into the checkpoint and the package's manifest)."""

    steps: int = 3000
    batch_size: int = 8
    crop_frames: int = 48  # 0.64 s of latents; 0.53 s scored after the edges
    lr: float = 2e-4
    lr_final: float = 0.1
    warmup_steps: int = 100
    beta1: float = 0.5
    beta2: float = 0.9
    # The codec's loss (10 x L1 + 1 x mel) scaled so that the mel term outweighs the critic's at
    # the start (mel ~0.18 here, hinge ~1), as in HiFi-GAN (45 x mel); the waveform L1, which
    # pulls noise-like highs toward their mean, now weighs 1/15 of the mel where it was 10x.
    w_time: float = 10.0
    w_mel: float = 15.0
    adversarial: bool = True
    disc_filters: int = 16  # EnCodec's 32 quadruples the critic's CPU cost
    disc_warmup: int = 300  # steps in which the critic learns alone
    w_adv: float = 1.0
    w_feat: float = 2.0
    loops: int = 2000  # train loops encoded (0: all)
    seed: int = 0
    valid_loops: int = 16  # fresh loops (seed 4242), scored every valid_every steps
    log_every: int = 10
    valid_every: int = 250
    ckpt_every: int = 250


class LatentBank:
    """Train loops over two periods (int16) and their raw latents from the package's encoder."""

    def __init__(self, audio: list[np.ndarray], latents: list[np.ndarray], hop: int):
        self.audio, self.latents, self.hop = audio, latents, hop

    @classmethod
    def build(cls, codec: Any, bank: LoopBank, progress: bool = True) -> LatentBank:
        audio, latents = [], []
        for i in tqdm(range(len(bank)), desc="encoding loops", disable=not progress):
            twice = np.tile(bank.loop(i), 2)
            n = len(twice) // codec.hop * codec.hop
            # float16: half the memory; its rounding (~1e-3 relative) is far below the codec's error
            latents.append(codec.encode(twice[None, :n], normalized=False)[0].astype(np.float16))
            audio.append(to_int16(twice[:n]))
        return cls(audio, latents, codec.hop)

    @classmethod
    def load_or_build(cls, path: Path, key: str, codec: Any, bank: Callable[[], LoopBank],
                      progress: bool) -> LatentBank:  # fmt: skip
        """The cache at `path` if it was built for `key` (encoder hash, corpus, loops), else
        `bank()`'s loops encoded (and cached)."""
        if path.is_file():
            with np.load(path, allow_pickle=False) as f:
                if str(f["key"]) == key:
                    lengths = f["lengths"]
                    cuts = np.cumsum(lengths)[:-1]
                    frames = lengths // codec.hop
                    lat = np.split(f["latents"], np.cumsum(frames)[:-1], axis=1)
                    return cls(np.split(f["audio"], cuts), lat, codec.hop)
        out = cls.build(codec, bank(), progress)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, key=key, audio=np.concatenate(out.audio),
                 lengths=np.array([len(a) for a in out.audio]),
                 latents=np.concatenate(out.latents, axis=1))  # fmt: skip
        tmp.replace(path)
        return out

    def __len__(self) -> int:
        return len(self.audio)

    def batch(self, rng: np.random.Generator, size: int, frames: int) -> tuple[Any, Any]:
        """Random crops: latents float32 [B, D, frames], audio [B, 1, frames * hop]."""
        zs, xs = [], []
        for i in rng.integers(0, len(self), size):
            z = self.latents[i]
            t0 = int(rng.integers(0, z.shape[1] - frames + 1))
            zs.append(z[:, t0 : t0 + frames].astype(np.float32))
            xs.append(self.audio[i][t0 * self.hop : (t0 + frames) * self.hop])
        x = np.stack(xs).astype(np.float32)[:, None] / SCALE
        return torch.from_numpy(np.stack(zs)), torch.from_numpy(x)


def encoder_key(model_dir: Path, corpus: Path, loops: int) -> str:
    """What the latent cache was built from: the encoder's sha256 (as the manifest records it,
    verified on load), the corpus and the number of loops."""
    from livegen.runtime.manifest import load_manifest

    m = load_manifest(model_dir)
    digest = m.data["files"][m.section("codec")["encoder"]]["sha256"][:16]
    return f"{digest}:{Path(corpus).resolve()}:{loops}"


class DecoderTrainer(TrainerCommon):
    """One fine-tuning run; `fit()` runs it to `cfg.steps` (or a time limit)."""

    def __init__(self, cfg: DecoderTrainConfig, model_dir: Path, corpus: Path, run_dir: Path,
                 progress: bool = True):  # fmt: skip
        from livegen.runtime.codec import Codec
        from livegen.training.all.onnx_weights import decoder_from_package

        self.cfg, self.model_dir, self.corpus = cfg, Path(model_dir), Path(corpus)
        self.run_dir, self.progress = Path(run_dir), progress
        self.dist = Dist(0, 1, torch.device("cpu"))
        torch.set_flush_denormal(True)
        torch.manual_seed(cfg.seed)
        self.codec = Codec.load(self.model_dir, device="cpu", threads=torch.get_num_threads())
        model, self.section = decoder_from_package(self.model_dir)
        self.decoder = model.decoder.train()
        self.opt = torch.optim.Adam(self.decoder.parameters(), cfg.lr, betas=(cfg.beta1, cfg.beta2))
        self.disc: Any = None
        self.disc_opt: Any = None
        if cfg.adversarial:
            from encodec.msstftd import MultiScaleSTFTDiscriminator

            with warnings.catch_warnings():  # encodec uses the deprecated weight_norm
                warnings.simplefilter("ignore", FutureWarning)
                self.disc = MultiScaleSTFTDiscriminator(filters=cfg.disc_filters)
            self.disc_opt = torch.optim.Adam(self.disc.parameters(), cfg.lr,
                                             betas=(cfg.beta1, cfg.beta2))  # fmt: skip
        self.mel = MultiScaleMelLoss(sample_rate=self.codec.sample_rate)
        self.step = 0
        self.run_info = start_run_info(self.dist, corpus=str(self.corpus),
                                       model=str(self.model_dir))  # fmt: skip

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return self.checkpoint(
            CHECKPOINT_FORMAT,
            self.section["config"],
            decoder=self.decoder.state_dict(),
            optimizer=self.opt.state_dict(),
            disc=self.disc.state_dict() if self.disc is not None else None,
            disc_optimizer=self.disc_opt.state_dict() if self.disc_opt is not None else None,
            rng=torch.get_rng_state(),
        )

    def plot(self, metrics: Path, out: Path) -> Any:
        from livegen.training.plots import plot_codec_metrics

        return plot_codec_metrics(metrics, out)

    def load(self, path: Path) -> None:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        if ckpt.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path}: not a decoder fine-tune checkpoint")
        self.decoder.load_state_dict(ckpt["decoder"])
        self.opt.load_state_dict(ckpt["optimizer"])
        if self.disc is not None and ckpt.get("disc") is not None:
            self.disc.load_state_dict(ckpt["disc"])
            self.disc_opt.load_state_dict(ckpt["disc_optimizer"])
        torch.set_rng_state(ckpt["rng"])
        self.resume_run(ckpt)

    # -- one step --------------------------------------------------------------------------------
    def train_step(self, z: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
        cfg = self.cfg
        lr = lr_at(self.step, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final)
        edge = EDGE_FRAMES * self.codec.hop
        x = x[..., edge:-edge]
        y = self.decoder(z)[..., edge : edge + x.shape[-1]]
        logs: dict[str, float] = {}
        use_adv = self.disc is not None and self.step >= cfg.disc_warmup
        if self.disc is not None:  # the critic's step first: it learns alone in the warm-up
            for group in self.disc_opt.param_groups:
                group["lr"] = lr
            logs["disc"] = critic_step(self.disc, self.disc_opt, x, y)
        l1, mel = F.l1_loss(y, x), self.mel(y, x)
        loss = cfg.w_time * l1 + cfg.w_mel * mel
        logs.update(l1=l1.item(), mel=mel.item())
        if use_adv:
            adv, feat = adversarial_terms(self.disc, x, y)
            loss = loss + cfg.w_adv * adv + cfg.w_feat * feat
            logs.update(adv=adv.item(), feat=feat.item())
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        logs["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(self.decoder.parameters(), 1.0))
        self.opt.step()
        logs["loss"] = loss.item()
        return logs

    @torch.no_grad()
    def round_trip(self, audio: np.ndarray) -> np.ndarray:
        """One whole loop through the frozen encoder and this decoder, wrapped around (the loop
        decoded over two periods, the second half period and first half of the next kept)."""
        n = len(audio)
        twice = np.tile(audio, 2)
        m = len(twice) // self.codec.hop * self.codec.hop
        z = torch.from_numpy(self.codec.encode(twice[None, :m], normalized=False))
        y = self.decoder.eval()(z)[0, 0].numpy()
        self.decoder.train()
        h = n // 2
        out = np.concatenate([y[h:n], y[n : n + h]]) if m >= n + h else y[:n]
        return np.roll(out, h).astype(np.float32)

    def validate(self, loops: list[np.ndarray], judge: Any) -> dict[str, float]:
        recs = [self.round_trip(x) for x in loops]
        pairs = [(torch.from_numpy(e)[None], torch.from_numpy(r)[None]) for e, r in zip(recs, loops, strict=True)]  # fmt: skip
        out = {  # loops differ in length (tempo): one at a time
            "valid_mel": float(np.mean([float(self.mel.distance(e, r)[0]) for e, r in pairs])),
            "valid_si_sdr": float(np.mean([float(si_sdr(e, r)[0]) for e, r in pairs])),
        }
        if judge is not None:  # paired distance in the outside judge's embedding
            a, _ = judge.embed(loops, self.codec.sample_rate)
            b, _ = judge.embed(recs, self.codec.sample_rate)
            out["valid_judge"] = float(np.linalg.norm(a - b, axis=1).mean())
        return out

    # -- the run ---------------------------------------------------------------------------------
    def fit(self, time_limit_s: float | None = None) -> dict[str, Any]:
        cfg = self.cfg
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "config.json").write_text(json.dumps(
            {"model": str(self.model_dir), "corpus": str(self.corpus), "train": cfg.to_dict()},
            indent=2) + "\n")  # fmt: skip
        log = MetricsLog(self.run_dir / "metrics.jsonl", self.step, True)
        key = encoder_key(self.model_dir, self.corpus, cfg.loops)
        bank = lambda: LoopBank.load(self.corpus, "train", limit=cfg.loops, progress=self.progress)  # noqa: E731
        latents = LatentBank.load_or_build(self.run_dir / "latents.npz", key, self.codec, bank,
                                           self.progress)  # fmt: skip
        # Not the corpus's valid split: the eval's reference sets come from it.
        valid = reference_loops(cfg.valid_loops)
        from livegen.eval.musicnn import MusicnnJudge

        judge = MusicnnJudge.load_if_installed(threads=1)
        print(f"decoder {sum(p.numel() for p in self.decoder.parameters()) / 1e6:.2f} M params"
              + (f", critic {sum(p.numel() for p in self.disc.parameters()) / 1e6:.2f} M"
                 if self.disc is not None else "")
              + f"; {len(latents)} train loops; step {self.step}/{cfg.steps}")  # fmt: skip

        def validate() -> dict[str, float]:
            """The valid figures, and the decoder as it was then (`export decoder --step`)."""
            snap = self.run_dir / "decoders" / f"step_{self.step:06d}.pt"
            snap.parent.mkdir(exist_ok=True)
            torch.save(self.decoder.state_dict(), snap)
            return self.validate(valid, judge)

        if self.step == 0:
            log.write(kind="valid", step=0, **validate())

        def step() -> dict[str, float]:
            z, x = latents.batch(batch_rng(cfg.seed, 0, self.step), cfg.batch_size, cfg.crop_frames)
            return self.train_step(z, x)

        shown = lambda m: {"mel": f"{m['mel']:.3f}", "disc": f"{m.get('disc', 0):.2f}"}  # noqa: E731
        done = self.run_steps(
            step,
            log,
            lambda s: lr_at(s, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final),
            validate,
            time_limit_s,
            shown,
        )
        if done:
            self.run_info["finished"] = True
            self.save()
        return self.summary(finished=done)
