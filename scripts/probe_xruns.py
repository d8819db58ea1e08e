"""What PortAudio's stream time does across two kinds of JACK xrun, against what was played.

    python scripts/probe_xruns.py

It starts its own JACK dummy server, a PortAudio output stream on it that writes a click every
4800 frames by its own frame count, and the JACK recorder of the daemon tests
(`tests/live/jack_capture.py`, indexed by JACK's frame time). Then it makes two stalls:

- A, the client's: this process holds the GIL for ~100 ms, so the stream's callback cannot run
  and JACK skips its cycles (frames really go unplayed);
- B, the server's: jackd is stopped for 30 ms (what a starved CPU does to the dummy driver), so
  JACK's own time stops and nothing is lost.

It prints the click spacings the recording shows (a spacing above 4800 = frames unplayed) and,
around each stall, `currentTime - frames / rate` per callback. Seen here: A jumps and stays flat
at the lost time; B jumps ~20 ms and slides back ~0.115 ms per callback, with nothing lost. That
is why `OutputEngine` skips only a lateness that has settled (`output.FLAT`, `output.WATCH`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RATE, PERIOD, EVERY = 48_000, 256, 4800
CAPTURE = Path(__file__).parents[1] / "tests" / "server" / "jack_capture.py"


def main() -> int:
    name = f"probe-xruns-{os.getpid()}"
    os.environ.update(JACK_NO_START_SERVER="1", JACK_DEFAULT_SERVER=name)
    server = subprocess.Popen(
        ["jackd", "-n", name, "--no-realtime", "-d", "dummy", "-r", str(RATE), "-p", str(PERIOD)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(["jack_wait", "-w", "-t", "10"], check=True, capture_output=True)
    out = Path(f"/tmp/{name}.npz")
    cap = subprocess.Popen([sys.executable, str(CAPTURE), "probecap", "12", str(out)],
                           stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert cap.stdout is not None and cap.stdout.readline().strip() == "ready"
    import sounddevice as sd

    log: list[tuple[int, float, float]] = []
    count = [0]

    def callback(outdata, frames, time_info, status) -> None:
        f = count[0]
        log.append((f, time_info.currentTime, time.monotonic()))
        outdata.fill(0.0)
        outdata[(-f) % EVERY :: EVERY, 0] = 0.9
        count[0] = f + frames

    stream = sd.OutputStream(samplerate=RATE, channels=1, blocksize=PERIOD, callback=callback)
    stream.start()
    time.sleep(0.5)
    subprocess.run(["jack_connect", "PortAudio:out_0", "probecap:in"], capture_output=True)
    time.sleep(2.0)
    stalls = {"A (client: GIL held)": time.monotonic()}
    sorted(list(range(3_000_000))[::-1])  # holds the GIL
    time.sleep(2.5)
    stalls["B (server stopped 30 ms)"] = time.monotonic()
    os.kill(server.pid, signal.SIGSTOP)
    time.sleep(0.03)
    os.kill(server.pid, signal.SIGCONT)
    time.sleep(2.5)
    stream.stop()
    stream.close()
    sd._terminate()  # PortAudio must let go of the server before it goes (or it aborts at exit)
    cap.send_signal(signal.SIGTERM)
    cap.wait()
    data = np.load(out)
    out.unlink()
    server.terminate()
    server.wait()

    clicks = np.flatnonzero(np.abs(data["audio"]) > 0.5)
    clicks = clicks[np.concatenate([[True], np.diff(clicks) > 100])]
    spacing = np.diff(clicks)
    print(f"click spacings in the recording other than {EVERY} frames: "
          f"{[int(s) for s in spacing if s != EVERY] or 'none'}")  # fmt: skip
    arr = np.array(log, np.float64)
    offset = (arr[:, 1] - arr[:, 0] / RATE) * 1e3
    for label, when in stalls.items():
        k = int(np.searchsorted(arr[:, 2], when))
        level = offset[k - 3]
        print(f"{label}: currentTime - frames/rate, ms from the level before, per callback")
        print("  " + " ".join(f"{v - level:.2f}" for v in offset[k : k + 28]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
