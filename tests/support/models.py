"""A tiny but complete model package (codec + trained UNet, `livegen.training.unet.tiny`) for
tests that need real ONNX sessions: built with one torch thread, so its weights are the same
whatever the machine's core count."""

from __future__ import annotations

from pathlib import Path


def tiny_package_one_thread(folder: Path, stems: bool = False) -> Path:
    import torch

    from livegen.training.unet.tiny import tiny_package

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return tiny_package(folder, stems=stems)
    finally:
        torch.set_num_threads(threads)
