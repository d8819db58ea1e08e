"""laion-clap behind the Conditioner API: `--concept laion --concept-checkpoint PATH`.

Optional (`pip install 'livegen[laion]'`; laion-clap pins numpy<2 and pulls torch, so it is not
part of the default install, and choosing it brings torch into the process). `laion_clap` is
imported only when this encoder is loaded. Before anything heavy happens, `missing_files` checks
the checkpoint and the local roberta-base files that `CLAP_Module` loads at construction, and
the error lists every missing path. Nothing is downloaded: `HF_HUB_OFFLINE=1` is set and
'roberta-base' is redirected to the local folder.

Known issue handled here: checkpoints saved with older transformers hold
`text_branch.embeddings.position_ids`, which transformers >= 4.31 no longer has as a parameter;
`CLAP_Module.load_ckpt` then fails on the unexpected key, so we load the state dict ourselves
and drop that key.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from livegen.control.words import normalize
from livegen.runtime.concept.base import (
    Array,
    EmbedResult,
    LRUCache,
    PromptMixer,
    resample,
)
from livegen.runtime.manifest import ModelFileError

KIND = "laion"
SAMPLE_RATE = 48_000
DIM = 512
ROBERTA_FILES = ("config.json", "vocab.json", "merges.txt")
ROBERTA_WEIGHTS = ("model.safetensors", "pytorch_model.bin")  # either one
POSITION_IDS = "text_branch.embeddings.position_ids"


class LaionFilesMissing(ModelFileError):
    """laion-clap cannot load: the message names every missing file."""


def hf_cache_roberta() -> Path | None:
    """The roberta-base snapshot folder in the Hugging Face cache, if there is one."""
    home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    hub = Path(os.environ.get("HF_HUB_CACHE", home / "hub"))
    snapshots = sorted((hub / "models--roberta-base" / "snapshots").glob("*"))
    return snapshots[-1] if snapshots else None


def missing_files(checkpoint: Path | None, roberta_dir: Path | None) -> list[str]:
    """Every file laion-clap would need and does not find (empty list: all there)."""
    missing = []
    if checkpoint is None:
        missing.append(
            "a laion-clap checkpoint (--concept-checkpoint PATH, e.g. music_audioset_epoch_15_esc_90.14.pt)"
        )
    elif not Path(checkpoint).is_file():
        missing.append(f"{checkpoint} (the laion-clap checkpoint)")
    folder = Path(roberta_dir) if roberta_dir else hf_cache_roberta()
    if folder is None:
        hub = os.environ.get("HF_HUB_CACHE") or "~/.cache/huggingface/hub"
        names = ", ".join(ROBERTA_FILES) + " and " + " or ".join(ROBERTA_WEIGHTS)
        missing.append(
            f"roberta-base files ({names}): pass --concept-roberta DIR or put them in {hub}/models--roberta-base"
        )
        return missing
    for name in ROBERTA_FILES:
        if not (folder / name).is_file():
            missing.append(str(folder / name))
    if not any((folder / w).is_file() for w in ROBERTA_WEIGHTS):
        missing.append(" or ".join(str(folder / w) for w in ROBERTA_WEIGHTS))
    return missing


@contextlib.contextmanager
def roberta_from(folder: Path) -> Iterator[None]:
    """While constructing CLAP_Module, resolve 'roberta-base' to a local folder, offline."""
    import transformers

    patched = []
    for cls in (transformers.RobertaModel, transformers.RobertaTokenizer):
        # from_pretrained is usually inherited: wrap the classmethod found along the MRO.
        original = inspect.getattr_static(cls, "from_pretrained")
        own = "from_pretrained" in cls.__dict__

        def redirected(klass, name, *args, _orig=original, **kwargs):
            if name == "roberta-base":
                name = str(folder)
            return _orig.__func__(klass, name, *args, **kwargs)

        cls.from_pretrained = classmethod(redirected)  # type: ignore[method-assign, assignment]
        patched.append((cls, original, own))
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        for cls, original, own in patched:
            if own:
                cls.from_pretrained = original  # type: ignore[method-assign]
            else:
                del cls.from_pretrained
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old


def clean_state_dict(state: dict) -> dict:
    """A checkpoint's weights without the "module." prefix and the stale position_ids key."""
    weights = state.get("state_dict", state)
    out = {}
    for key, value in weights.items():
        key = key[len("module.") :] if key.startswith("module.") else key
        if key != POSITION_IDS:
            out[key] = value
    return out


class LaionClap(PromptMixer):
    """laion-clap's CLAP_Module (512-d, audio at 48 kHz). Use `LaionClap.load(...)`."""

    name = KIND
    dim = DIM

    def __init__(self, module, cache_size: int = 256):
        self.module = module
        self.text_cache = LRUCache(cache_size)
        self.audio_cache = LRUCache(max(16, cache_size // 8))

    @classmethod
    def load(
        cls,
        checkpoint: Path | None,
        roberta_dir: Path | None = None,
        amodel: str = "HTSAT-base",
        enable_fusion: bool = False,
        device: str = "cpu",
    ) -> LaionClap:
        missing = missing_files(checkpoint, roberta_dir)
        if missing:
            raise LaionFilesMissing("--concept laion cannot load; missing: " + "; ".join(missing))
        try:
            import laion_clap
            import torch
        except ImportError as exc:
            raise LaionFilesMissing(
                f"--concept laion needs the laion-clap package (pip install 'livegen[laion]'): {exc}"
            ) from exc
        folder = Path(roberta_dir) if roberta_dir else hf_cache_roberta()
        assert folder is not None  # missing_files checked it
        with roberta_from(folder):
            module = laion_clap.CLAP_Module(
                enable_fusion=enable_fusion, amodel=amodel, device=device
            )
        state = torch.load(str(checkpoint), map_location="cpu", weights_only=False)
        result = module.model.load_state_dict(clean_state_dict(state), strict=False)
        bad = [k for k in result.missing_keys if k != POSITION_IDS]
        if bad or result.unexpected_keys:
            raise ModelFileError(
                f"{checkpoint}: does not fit CLAP_Module(amodel={amodel!r}, fusion={enable_fusion}) "
                f"(missing {bad[:3]}, unexpected {list(result.unexpected_keys)[:3]}); "
                "the music checkpoints use HTSAT-base, the 630k ones HTSAT-tiny"
            )
        module.eval()
        return cls(module)

    def embed_text(self, text: str) -> EmbedResult:
        return self.text_cache.get_or_compute(
            normalize(text), lambda: EmbedResult(self.embed_texts([text])[0])
        )

    def embed_texts(self, texts: Sequence[str]) -> Array:
        # CLAP_Module squeezes the batch axis of a single text: always send at least two.
        batch = list(texts) + ([texts[0]] if len(texts) == 1 else [])
        out = np.asarray(self.module.get_text_embedding(batch), np.float32)[: len(texts)]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def _embed_audio(self, x: npt.NDArray[np.float32], sample_rate: int) -> Array:
        x = resample(x, sample_rate, SAMPLE_RATE)
        x = (np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16).astype(np.float32) / 32767.0
        e = np.asarray(self.module.get_audio_embedding_from_data(x[None, :]), np.float32)[0]
        return e / max(float(np.linalg.norm(e)), 1e-9)
