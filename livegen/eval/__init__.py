"""Evaluation and benchmarks: the codec, the concept encoder and the generator (tempo, prompt
adherence, Fréchet distances in an outside judge's embedding, kick contrast, key, speed).

- `codec.py`, `bench_codec.py`: `livegen eval codec`, `livegen bench codec`;
- `concept.py`, `concept_metrics.py`, `bench_concept.py`: `livegen eval concept`, `bench concept`;
- `musicnn.py`, `outside.py`, `kick.py`, `key.py`: the outside judge, its FD study, kick and key;
- `measures.py`: Fréchet distance, attribute prompts, the sampler comparison.
- `generator.py`, `studies.py`: `livegen eval generator` (table + PNG); the loop tempo tracker
  is `livegen.dsp.tempo`.
- `bench_generator.py`: `livegen bench generator` (onnxruntime vs torch eager, per step count).
"""
