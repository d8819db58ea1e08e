"""The models at run time, numpy + onnxruntime only (never torch: tests/test_import_layers.py).

- `models.py`, `manifest.py`: finding a model package by name and loading it through its manifest
  (hash-checked files, configs, versions); `session.py`: onnxruntime sessions and providers;
- `codec.py`: the codec's encoder/decoder graphs; `sampler.py`: the IADB sampler, a pure function
  over an injected denoiser; `generator.py`: one seamless bar per request;
- `concept/`: text and audio prompts → concept vectors (parser, towers, conditioners).
"""
