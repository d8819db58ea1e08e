"""The generator (torch side): IADB latent UNet, its training loop, ONNX export.

Only the commands `livegen train unet` and `livegen export unet` (and evaluation against a
checkpoint) import this room's torch modules. The runtime (`livegen.runtime.generator`,
`livegen.runtime.sampler`) never does: it runs the exported graph.

- `config.py`: `UNetConfig`, `TrainConfig`, presets (plain dataclasses, no torch).
- `bars.py`: the corpus as circular bar latents (one exact period per loop), cached (no torch).
- `concepts.py`: the concept vectors each loop is trained with (audio + captions; no torch).
- `data.py`: batches of whole bars, bucketed by length, condition dropout (numpy).
- `model.py`: the circular 1D UNet with AdaGN (α + concept) and the beat/bar phase at every level.
- `trainer.py` / `train.py`: the IADB training loop (CPU, CUDA, torchrun DDP) and its command.
- `export.py`: `livegen export unet` (ONNX, parity, manifest section "generator").
- `tiny.py`: a tiny complete package for tests and smoke checks.
"""
