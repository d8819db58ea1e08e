"""A JACK recorder run as its own process by the daemon tests (not a test module).

Records one audio port and one MIDI port indexed by JACK frame time, so the daemon's output and a
clock's ticks land on one time line, and its own interpreter keeps it out of the daemon's GIL.

    python tests/live/jack_capture.py NAME SECONDS OUT.npz

Prints "ready" once its ports exist; writes OUT.npz on SIGTERM or after SECONDS. `first_wall`
is time.monotonic() (one clock for all processes) at the first recorded frame.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import jack
import numpy as np


def main(name: str, seconds: float, out: str) -> None:
    client = jack.Client(name, no_start_server=True)
    audio_in = client.inports.register("in")
    midi_in = client.midi_inports.register("midi")
    rate = client.samplerate
    audio = np.zeros(int(seconds * rate), np.float32)
    state: dict = {"first": None}
    midi: list[tuple[int, int]] = []
    done = threading.Event()

    @client.set_process_callback
    def process(frames: int) -> None:
        now = client.last_frame_time
        if state["first"] is None:
            state["first"], state["wall"] = now, time.monotonic()
        i = now - state["first"]
        if 0 <= i <= len(audio) - frames:
            audio[i : i + frames] = audio_in.get_array()
        for offset, data in midi_in.incoming_midi_events():
            midi.append((now + offset, bytes(data)[0]))

    signal.signal(signal.SIGTERM, lambda *_: done.set())
    client.activate()
    print("ready", flush=True)
    done.wait(seconds)
    np.savez(
        out,
        audio=audio.copy(),
        first=np.int64(state["first"] or 0),
        first_wall=np.float64(state.get("wall", 0.0)),
        midi=np.array(list(midi), np.int64).reshape(-1, 2),
        rate=np.int64(rate),
    )
    # Leave without deactivating: libjack stops the process thread with pthread_cancel, and a
    # thread cancelled inside the Python callback takes the GIL with it (a CI run hung here, the
    # main thread waiting for the GIL forever). The server drops a client whose process is gone.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3])
