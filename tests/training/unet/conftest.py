"""Shared fixtures for the generator tests: one torch thread, a tiny exported model package."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="training and export need torch (the 'train' extra)")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny models gain nothing from threads; spinning OpenMP threads on a busy 2-core machine
    slow them ten-fold. Restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny codec + briefly trained tiny UNet, exported (~3 s); the run folder is beside it."""
    from livegen.training.unet.tiny import tiny_package

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # session fixtures run before the module's thread setting
    try:
        return tiny_package(tmp_path_factory.mktemp("generator"))
    finally:
        torch.set_num_threads(threads)
