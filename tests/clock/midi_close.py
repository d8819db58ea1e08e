"""Opens and closes livegen's JACK MIDI inputs while a clock streams into them (not a test module).

    python tests/clock/midi_close.py ROUNDS

Run by tests/clock/test_midi_io.py in its own process, against a JACK server where
jack_midi_clock plays, so that a hang is a timeout there rather than a frozen test run. Even
rounds open the clock input and connect the clock to it; odd rounds open a MIDI control port
and connect a CC sender of this process (RtMidi drops clock messages on a control port). Each
waits for messages and closes the input, while a thread keeps the GIL busy as the daemon's
threads do. Prints one line per round, "round K messages N", then "done".
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

from livegen.clock.midi_io import MidiClockInput
from livegen.live.desk.midicontrol import MidiControlPort


def busy(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(2000))


def send_ccs(out: Any, stop: threading.Event) -> None:
    value = 0
    while not stop.is_set():
        out.send_message([0xB0, 1, value])
        value = (value + 1) % 128
        time.sleep(0.005)


def main(rounds: int) -> None:
    import rtmidi

    stop = threading.Event()
    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "lgcc")
    out.open_virtual_port("out")
    threading.Thread(target=busy, args=(stop,), daemon=True).start()
    threading.Thread(target=send_ccs, args=(out, stop), daemon=True).start()
    for k in range(rounds):
        if k % 2 == 0:
            clock = MidiClockInput(api="jack", virtual_name="lgclose")
            source, port, reader = "jack_midi_clock:mclk_out", "lgclose:clock_in", clock._reader
        else:
            control = MidiControlPort.open("jack", None, "lgclose")
            source, port, reader = "lgcc:out", "lgclose:control_in", control._reader
        subprocess.run(["jack_connect", source, port], check=True, timeout=10)
        assert reader is not None
        deadline = time.monotonic() + 5.0
        while reader.received < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        received = reader.received
        (clock if k % 2 == 0 else control).close()
        print(f"round {k} messages {received}", flush=True)
    stop.set()
    time.sleep(0.05)  # the CC sender's last message
    out.close_port()
    out.delete()  # a client gone without closing can make jackd die of SIGPIPE when it stops
    print("done", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
