"""Concept encoders: text and audio prompts → one unit vector that conditions the generator.

Runtime API (numpy + onnxruntime, never torch unless laion-clap is chosen):

- `load_conditioner(kind, model_dir=...)` → a `Conditioner` (`base.py`): `embed_text`,
  `embed_audio`, `embed_texts`, `embed_prompts([TextPrompt|AudioPrompt, …])` → `Conditioning`.
- `mix(vectors, weights)`: the documented prompt-mixing rule (normalised weighted sum).

Training and export (torch) live in `livegen.training.concept`, evaluation in `livegen.eval`
(`concept.py`, `bench_concept.py`), and are only imported by their commands.
"""

from livegen.runtime.concept.base import (
    AudioPrompt,
    Conditioner,
    Conditioning,
    EmbedResult,
    Prompt,
    TextPrompt,
    mix,
)
from livegen.runtime.concept.conditioner import (
    add_concept_arguments,
    load_conditioner,
)

__all__ = [
    "AudioPrompt",
    "Conditioner",
    "Conditioning",
    "EmbedResult",
    "Prompt",
    "TextPrompt",
    "add_concept_arguments",
    "load_conditioner",
    "mix",
]
