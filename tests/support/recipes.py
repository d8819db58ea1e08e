"""Run a training recipe script (scripts/train_*_cpu.sh) with Python replaced by a recorder: each
`python -m livegen ...` command it would run is logged (corpus folders get a manifest, so a rerun
sees them written), and the lines come back. The real stages take hours; each command is tested
on its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDER = """#!/usr/bin/env bash
echo "$*" >> "$LOG"
if [ "$3" = corpus ]; then
    while [ $# -gt 0 ]; do [ "$1" = --out ] && mkdir -p "$2" && touch "$2/manifest.jsonl"; shift; done
fi
"""


def record(script: str, tmp_path: Path, timeout: float = 120, **env: str) -> list[str]:
    """The commands `scripts/SCRIPT` runs with OUT = tmp_path/out and `env` added."""
    fake = tmp_path / "python"
    fake.write_text(RECORDER)
    fake.chmod(0o755)
    log = tmp_path / "log"
    log.write_text("")
    subprocess.run(
        ["bash", str(ROOT / "scripts" / script), str(tmp_path / "out")],
        check=True,
        env={**os.environ, "PYTHON": str(fake), "LOG": str(log), **env},
        timeout=timeout,
    )
    return log.read_text().splitlines()


def has_revision(rev: str) -> bool:
    """Whether this checkout has commit `rev` (recipes unpack their base packages from git)."""
    if shutil.which("git") is None:
        return False
    done = subprocess.run(["git", "cat-file", "-e", f"{rev}^{{commit}}"], cwd=ROOT,
                          capture_output=True)  # fmt: skip
    return done.returncode == 0
