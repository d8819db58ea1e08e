"""Runtime inference: onnxruntime sessions, model packages, the codec, the sampler. No torch."""
