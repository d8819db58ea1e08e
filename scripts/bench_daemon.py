"""Soak benchmark of `livegen serve` (not a timed test): run the daemon against real peers for a
while and print a table.

    python scripts/bench_daemon.py                      # 10 min, corpus loops, MIDI clock 128
    python scripts/bench_daemon.py --minutes 1 --jitter 5
    python scripts/bench_daemon.py --source model --model models/default --slow-ms 0

It starts its own JACK dummy server (`jackd --no-realtime -d dummy`, unless --jack-server names
a running one), a `jack_midi_clock` at --bpm (with its -J jitter) on a JACK MIDI port, and the
daemon in this process. Every few bars it sends a prompt change over UDP OSC at a random point of
the bar and notes when the first bar made with it is heard. Measures:

- prompt-to-audible latency: from the OSC send to the downbeat of the first bar with the new
  prompt, in ms and in bars (the design promises < 1 bar + the budget);
- tempo error: the daemon's reported BPM against the clock's, sampled twice a second;
- generation time against the budget and the bar;
- underruns, late bars and lost JACK periods over the soak.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
import uuid

import numpy as np
from pythonosc.udp_client import SimpleUDPClient

from livegen.live import serve
from livegen.live.pipeline.source import Delayed, LoopSource


def start_jack(name: str, rate: int, period: int) -> subprocess.Popen:
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    proc = subprocess.Popen(
        ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", str(rate), "-p", str(period)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(["jack_wait", "-w", "-t", "10"], check=True, capture_output=True)
    return proc


def wait_port(port: str) -> None:
    deadline = time.monotonic() + 5
    while port not in subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout:
        if time.monotonic() > deadline:
            raise SystemExit(f"JACK port {port} never appeared")
        time.sleep(0.05)


def rss_mb() -> float:
    """This process's resident set (the daemon runs in it), from /proc."""
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return kb / 1024


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    a = np.asarray(values)
    return f"{np.median(a):8.2f} {np.percentile(a, 95):8.2f} {a.max():8.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0, help="soak length (default 10)")
    p.add_argument("--bpm", type=float, default=128.0)
    p.add_argument("--jitter", type=float, default=0.0, help="jack_midi_clock -J percent (0-20)")
    p.add_argument("--source", choices=("loops", "model"), default="loops")
    p.add_argument("--model", default="models/default")
    p.add_argument("--slow-ms", type=float, default=0.0, help="extra render time per bar")
    p.add_argument("--every", type=int, default=3, help="bars between prompt changes")
    p.add_argument("--period", type=int, default=256, help="JACK period (frames)")
    p.add_argument("--jack-server", help="use this running JACK server instead of starting one")
    p.add_argument("--threads", help="model threads (default: the daemon's)")
    args = p.parse_args(argv)
    for tool in ("jackd", "jack_midi_clock", "jack_connect"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install jackd2 jack-midi-clock)")

    jackd = None
    if args.jack_server:
        os.environ.update(JACK_DEFAULT_SERVER=args.jack_server, JACK_NO_START_SERVER="1")
    else:
        jackd = start_jack(f"lg-bench-{uuid.uuid4().hex[:6]}", 48_000, args.period)
    clock = subprocess.Popen(
        ["jack_midi_clock", "-b", str(args.bpm), "-B", "-J", str(args.jitter)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    port = random.randint(20_000, 40_000)
    daemon_args = parser.parse_args(
        ["--source", args.source, "--model", args.model, "--clock", "midi", "--midi-api", "jack",
         "--midi-virtual", "lgbench", "--osc-port", str(port), "--quiet"]
        + (["--threads", args.threads] if args.threads else [])
    )  # fmt: skip
    source = None
    if args.source == "loops":
        source = LoopSource()
    if args.slow_ms:
        source = Delayed(source or serve.load_source(daemon_args), args.slow_ms / 1e3)
    t0 = time.monotonic()
    server = serve.start(daemon_args, source=source)
    startup = time.monotonic() - t0
    d = server.daemon
    d.producer.stats.keep = 1 << 20  # every placement, to find when each prompt was heard
    osc = SimpleUDPClient("127.0.0.1", port)
    changes: list[tuple[float, int]] = []  # (sent at, settings version before)
    tempo_errors: list[float] = []
    try:
        wait_port("jack_midi_clock:mclk_out")
        subprocess.run(["jack_connect", "jack_midi_clock:mclk_out", "lgbench:clock_in"], check=True)
        subprocess.run(["jack_transport"], input="locate 0\nplay\nquit\n", text=True,
                       capture_output=True)  # fmt: skip
        end = time.monotonic() + args.minutes * 60
        bar = 240.0 / args.bpm
        next_change = time.monotonic() + 4 * bar
        prompts = ["dark hypnotic techno", "acid techno", "dub techno chords", "minimal house"]
        k = 0
        rss: list[tuple[float, float]] = []  # (s since start, MB), after the first minute
        while time.monotonic() < end:
            time.sleep(0.5)
            since = time.monotonic() - t0
            if since > 60 and (not rss or since - rss[-1][0] >= 10):
                rss.append((since, rss_mb()))
            state = d.clock.state()
            if state.playing and state.bpm:
                tempo_errors.append(abs(state.bpm - args.bpm))
            if time.monotonic() >= next_change:
                time.sleep(random.uniform(0, bar))  # anywhere in the bar
                changes.append((time.monotonic(), d.controller.settings.version))
                osc.send_message("/livegen/prompt", prompts[k % len(prompts)])
                k += 1
                next_change = time.monotonic() + args.every * bar
            sys.stderr.write(f"\r{(end - time.monotonic()) / 60:5.1f} min left, "
                             f"xruns {d.engine.underflows}, late {d.late_bars}   ")  # fmt: skip
        sys.stderr.write("\n")
        history = list(d.producer.stats.history)
        budget = d.scheduler.budget
    finally:
        subprocess.run(["jack_transport"], input="stop\nquit\n", text=True, capture_output=True)
        server.stop()
        clock.terminate()
        clock.wait(timeout=10)
        if jackd is not None:
            import sounddevice as sd

            sd._terminate()
            jackd.terminate()
            jackd.wait(timeout=10)

    latencies_ms, latencies_bars = [], []
    for sent, version in changes:
        first = next((h for h in history if h.version > version and h.queued_at >= sent), None)
        heard = None if first is None else d.timeline.speaker_time(first.plan.start)
        if heard is not None:
            latencies_ms.append((heard - sent) * 1e3)
            latencies_bars.append((heard - sent) / bar)
    gen = [h.gen_ms for h in history if not h.held]
    print(f"\nlivegen serve soak: {args.minutes:g} min, {args.bpm:g} BPM MIDI clock "
          f"(jitter {args.jitter:g}%), source {type(d.source).__name__}, JACK period {args.period}")  # fmt: skip
    print(f"{'measure':38} {'median':>8} {'p95':>8} {'max':>8}")
    print(f"{'prompt to audible (ms)':38} {percentiles(latencies_ms)}")
    print(f"{'prompt to audible (bars)':38} {percentiles(latencies_bars)}")
    print(f"{'tempo error (BPM)':38} {percentiles(tempo_errors)}")
    print(f"{'generation time (ms)':38} {percentiles(gen)}")
    print(f"{'budget (ms) / bar (ms)':38} {budget * 1e3:8.1f} {bar * 1e3:8.1f}")
    print(f"{'startup to running (s)':38} {startup:8.2f}")
    print(f"{'first bar audible after start (s)':38} "
          f"{(d.first_bar_at or float('nan')) - server.started:8.2f}")  # fmt: skip
    if len(rss) >= 2:
        t, mb = np.asarray(rss).T
        growth = np.polyfit(t / 60, mb, 1)[0]  # a leak shows as a steady slope, not noise
        print(f"{'RSS (MB) after 1 min / at end':38} {mb[0]:8.1f} {mb[-1]:8.1f}")
        print(f"{'RSS trend (MB per minute)':38} {growth:8.2f}")
    counts = (f"bars placed {d.scheduler.placed}, redone {d.scheduler.redone}, skipped "
              f"{d.scheduler.skipped}, shifted {d.scheduler.shifted}, late bars {d.late_bars}, "
              f"underruns {d.engine.underflows}, lost frames {d.engine.lost_frames}, "
              f"prompt changes {len(changes)} ({len(latencies_ms)} heard)")  # fmt: skip
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
