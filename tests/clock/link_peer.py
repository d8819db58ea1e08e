"""A second Ableton Link peer in its own process, for tests/clock/test_link.py.

    python tests/clock/link_peer.py BPM [--start-stop]

Prints {"ready": true} once its Link is enabled, then answers each command read on stdin with one
JSON line on stdout:

    sample          {"t", "beat", "phase", "bpm", "peers", "playing"}: `beat` is the Link beat
                    (quantum 4) at `t`, time.monotonic() bracketing the read
    tempo X         sets the session tempo, then a sample
    play | stop     sets the session's play state (start/stop sync), then a sample
    quit            leaves
"""

from __future__ import annotations

import json
import sys
import time

from livegen.clock.link import open_link


def sample(link) -> dict:
    before = time.monotonic()
    beat = link.beat
    after = time.monotonic()
    return {
        "t": (before + after) / 2,
        "beat": beat,
        "phase": beat % 4,
        "bpm": link.tempo,
        "peers": link.num_peers,
        "playing": link.playing,
    }


def main() -> None:
    link = open_link(float(sys.argv[1]))
    link.quantum = 4
    link.start_stop_sync_enabled = "--start-stop" in sys.argv
    link.enabled = True
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "quit":
            break
        if command == "tempo":
            link.tempo = float(args[0])
        elif command in ("play", "stop"):
            link.playing = command == "play"
        print(json.dumps(sample(link)), flush=True)
    link.enabled = False


if __name__ == "__main__":
    main()
