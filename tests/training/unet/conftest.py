"""Shared fixtures for the generator tests: one torch thread, a tiny exported model package."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.models import tiny_package_one_thread

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
    return tiny_package_one_thread(tmp_path_factory.mktemp("generator"))
