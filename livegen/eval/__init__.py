"""Evaluation and benchmarks of the generator: tempo, prompt adherence, Fréchet distance, speed.

- `tempo.py`: the loop tempo tracker (numpy/scipy).
- `measures.py`: Fréchet distance, attribute prompts, the sampler comparison.
- `generator.py`: `livegen eval generator` (table + PNG).
- `bench_generator.py`: `livegen bench generator` (onnxruntime vs torch eager, per step count).
"""
