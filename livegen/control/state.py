"""The performer's session state (what to generate next) and how commands change it. Pure logic."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from livegen.control import commands as cmd


@dataclass(frozen=True)
class Session:
    """Everything a performer controls; the scheduler snapshots it when it starts a bar."""

    prompts: tuple[tuple[str, float], ...] = (("minimal techno", 1.0),)
    audio_prompt: tuple[str, float] | None = None
    guidance: float = 3.0
    steps: int = 8
    seed: int = 0
    variation: float = 0.0
    hold: bool = False
    gain: float = 1.0
    clock: str = "internal"
    bpm: float = 124.0  # the internal clock's tempo
    playing: bool = True

    @property
    def prompt_text(self) -> str:
        """Prompts as one line for status displays: "acid:0.7 | dub chords:0.3"."""
        if len(self.prompts) == 1:
            return self.prompts[0][0]
        return " | ".join(f"{text}:{weight:g}" for text, weight in self.prompts)


def apply(session: Session, command: cmd.Command) -> Session:
    """The session after `command`; commands that ask rather than set leave it unchanged."""
    match command:
        case cmd.SetPrompts(prompts):
            return replace(session, prompts=prompts)
        case cmd.SetAudioPrompt(path, weight):
            return replace(session, audio_prompt=(path, weight) if weight > 0 else None)
        case cmd.SetGuidance(value):
            return replace(session, guidance=value)
        case cmd.SetSteps(value):
            return replace(session, steps=value)
        case cmd.SetSeed(value):
            return replace(session, seed=value)
        case cmd.SetVariation(value):
            return replace(session, variation=value)
        case cmd.SetHold(on):
            return replace(session, hold=on)
        case cmd.SetBpm(value):
            return replace(session, bpm=value)
        case cmd.SetClock(source):
            return replace(session, clock=source)
        case cmd.Play():
            return replace(session, playing=True)
        case cmd.Stop():
            return replace(session, playing=False)
        case cmd.SetGain(value):
            return replace(session, gain=value)
    return session


def status_args(session: Session, live: dict[str, Any]) -> tuple[Any, ...]:
    """`/livegen/status` reply: alternating key, value pairs.

    Args:
        session: the current state.
        live: what the running daemon measures: bpm, bar, beat, gen_ms, late_bars, underruns.
    """
    pairs: list[tuple[str, Any]] = [
        ("bpm", float(live.get("bpm", session.bpm))),
        ("bar", int(live.get("bar", 0))),
        ("beat", int(live.get("beat", 0))),
        ("playing", int(session.playing)),
        ("clock", session.clock),
        ("prompt", session.prompt_text),
        ("steps", session.steps),
        ("guidance", float(session.guidance)),
        ("seed", session.seed),
        ("gen_ms", float(live.get("gen_ms", 0.0))),
        ("late_bars", int(live.get("late_bars", 0))),
        ("underruns", int(live.get("underruns", 0))),
    ]
    return tuple(x for pair in pairs for x in pair)
