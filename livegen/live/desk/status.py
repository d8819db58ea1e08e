"""The terminal status line: where the song is, what is being generated, and what went wrong.

    3.2  124.00 BPM midi  | dark hypnotic techno | 8 steps g3.0 | gen 212 ms / budget 420 of 1935 | late 0 | xruns 0

`format_status` is pure (tests compare strings); `StatusLine` rewrites one terminal line a few
times per second with a carriage return, and stays quiet when the output is not a terminal or
`--quiet` was given (a log file would fill with thousands of lines).
"""

from __future__ import annotations

import shutil
import sys
from typing import Any, TextIO


def format_status(live: dict[str, Any], width: int = 160) -> str:
    """One line from the daemon's `live` measurements (missing keys are shown as unknown)."""
    bpm = live.get("bpm")
    tempo = f"{bpm:6.2f} BPM" if bpm else "  ---  BPM"
    clock = str(live.get("clock", "?"))
    if live.get("free_running"):
        clock += " (lost, free-running)"
    elif clock == "midi" and not live.get("receiving", True):
        clock += " (no clock)"
    elif clock == "link" and live.get("peers") is not None:
        clock += f" ({live['peers']} peers)"
    where = str(live.get("bar_beat", "-.-")) if live.get("playing") else "stopped"
    prompt = str(live.get("prompt", ""))
    if len(prompt) > 32:
        prompt = prompt[:31] + "…"
    if live.get("scene") is not None:
        prompt = f"scene {live['scene']}: {prompt}"
    gen = live.get("gen_ms")
    gen_text = "gen  --" if gen is None else f"gen {gen:4.0f} ms"
    budget = live.get("budget_ms")
    if budget is not None:
        gen_text += f" / budget {budget:.0f}"
    bar_ms = live.get("bar_ms")
    if bar_ms:
        gen_text += f" of {bar_ms:.0f}"
    parts = [
        f"{where:>7} {tempo} {clock}",
        prompt,
        f"{live.get('steps', '?')} steps g{float(live.get('guidance', 0.0)):.1f}",
        gen_text,
        f"late {live.get('late_bars', 0)}",
        f"xruns {live.get('underruns', 0)}",
    ]
    if live.get("notice"):
        parts.append(str(live["notice"]))
    line = " | ".join(parts)
    return line if len(line) <= width else line[: width - 1] + "…"


class StatusLine:
    """Rewrites one terminal line.

    Args:
        stream: where to write (stderr).
        enabled: False for `--quiet`; also off when `stream` is not a terminal.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = enabled and bool(isatty)
        self._shown = False

    def show(self, live: dict[str, Any]) -> None:
        if not self.enabled:
            return
        width = shutil.get_terminal_size((160, 20)).columns - 1
        self.stream.write("\r\x1b[2K" + format_status(live, width))
        self.stream.flush()
        self._shown = True

    def message(self, text: str) -> None:
        """A line that stays (startup, shutdown, errors), printed above the status line."""
        if self._shown:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
