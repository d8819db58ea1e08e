"""Start-up benchmark of `livegen serve` (not a timed test): from launching the process to the
downbeat of its first audible bar, for the demo source and the model, with and without stems.

    python scripts/bench_startup.py                      # 5 starts each, models/default
    python scripts/bench_startup.py --runs 10 --model mine

It starts its own JACK dummy server (like scripts/bench_daemon.py), then for each configuration
launches `python -m livegen serve --clock internal` N times, reads the "first bar audible" line
and stops the daemon with SIGINT. Two figures per start: the wall time from the launch (imports
included: what a performer waits) and the daemon's own figure (from `serve.start`). The goal of
the issue "The sound" is a first bar within 3 s.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
from bench_daemon import start_jack

FIRST_BAR = re.compile(r"first bar audible ([\d.]+) s")


def one_start(extra: list[str], port: int, timeout: float = 60.0) -> tuple[float, float]:
    """(seconds from launch to the first bar's downbeat, the daemon's own figure)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "livegen", "serve", "--clock", "internal", "--osc-port", str(port),
         "--no-oscquery", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    try:
        while time.monotonic() - t0 < timeout:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = FIRST_BAR.search(line)
            if found:
                # The line comes when the bar starts playing: the launch-to-line time is it.
                return time.monotonic() - t0, float(found.group(1))
        raise SystemExit(f"no first bar from `serve {' '.join(extra)}`:\n{''.join(lines)[-2000:]}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="starts per configuration (default 5)")
    p.add_argument("--model", default="default", help="model package (name or folder)")
    p.add_argument("--port", type=int, default=9310, help="OSC port the daemons bind")
    args = p.parse_args(argv)
    configs = {
        "demo loops (--source loops)": ["--source", "loops"],
        "model": ["--model", args.model],
        "model --stems": ["--model", args.model, "--stems"],
    }
    jack = start_jack(f"lgstart-{uuid.uuid4().hex[:6]}", 48_000, 256)
    try:
        rows = []
        for name, extra in configs.items():
            runs = [one_start(extra, args.port) for _ in range(args.runs)]
            wall, own = np.array(runs).T
            rows.append((name, wall, own))
    finally:
        jack.terminate()
        jack.wait(timeout=10)
    print(f"\nlivegen serve: launch → first audible bar, {args.runs} starts each (s)")
    print(f"{'configuration':30s} {'median':>7s} {'max':>7s}   {'daemon median':>13s} {'max':>7s}")
    for name, wall, own in rows:
        print(
            f"{name:30s} {np.median(wall):7.2f} {wall.max():7.2f}   "
            f"{np.median(own):13.2f} {own.max():7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
