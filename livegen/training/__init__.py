"""Training and export of livegen's models: torch lives here and nowhere the daemon imports.

- `common.py` (configs, run info, checkpoints, the shared trainer loop, lr schedule, parity,
  versions), `plots.py` (loss curves);
- `codec/` (EnCodec-style codec: config, model, losses, data, trainer, `train` command, latent
  cache `encode`, ONNX `export`), `unet/` (the IADB UNet: bar latents, concept vectors, model,
  trainer, `train` command, `export`), `concept/` (livegen-clap: data, towers, `train`,
  `export`), `all/` (`livegen train all`: a performer's loops to a fine-tuned package).
"""
