"""Issue #17 item 10: `scripts/run.sh` started a JACK dummy server (scripts/audio.sh) and left it
running after the daemon exited. Now `livegen_run` stops the server it started, and only that
one, whether the command ends by itself or by SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.support.jackd import running_jackd

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("jackd") is None or Path("/dev/snd").exists(),
    reason="needs jackd and a machine without a sound card (audio.sh starts no server otherwise)",
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not running
        return stat.read().split()[2] != "Z"


def run_script(body: str, name: str) -> subprocess.Popen:
    env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    script = f"set -euo pipefail; source scripts/audio.sh; echo pid=$LIVEGEN_JACKD_PID; {body}"
    return subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


def started_pid(proc: subprocess.Popen) -> int:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("pid="):
            return int(line.strip().split("=")[1])
    raise AssertionError("audio.sh said no pid")


@pytest.mark.parametrize("how", ["ends", "sigterm"])
def test_the_server_the_script_started_is_stopped_and_no_other(how):
    with running_jackd(f"livegen-other-{uuid.uuid4().hex[:6]}") as other_env:
        other = subprocess.run(["pgrep", "-f", f"jackd -n {other_env['JACK_DEFAULT_SERVER']}"],
                               capture_output=True, text=True).stdout.split()  # fmt: skip
        body = "livegen_run sleep 0.5" if how == "ends" else "livegen_run sleep 30"
        proc = run_script(body, f"livegen-run-{uuid.uuid4().hex[:6]}")
        pid = started_pid(proc)
        assert alive(pid)
        if how == "sigterm":
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert not alive(pid), out  # before: left running
        assert "stopped the JACK dummy server" in out
        assert other and all(alive(int(p)) for p in other)  # not ours: left alone
