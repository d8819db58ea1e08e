"""Commands: what a performer asked for, as frozen dataclasses, whatever the transport (OSC, MIDI).

The core never sees raw OSC argument lists; the edge turns them into these and validates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from livegen.control.keys import Key


@dataclass(frozen=True)
class SetPrompts:
    """One or more weighted text prompts, mixed into one concept vector."""

    prompts: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SetAudioPrompt:
    """A reference audio file whose concept is mixed with the text prompts at `weight`."""

    path: str
    weight: float = 1.0


@dataclass(frozen=True)
class SetGuidance:
    value: float


@dataclass(frozen=True)
class SetSteps:
    value: int


@dataclass(frozen=True)
class SetSeed:
    value: int


@dataclass(frozen=True)
class SetVariation:
    """0 = the next bar uses the same noise, 1 = fresh noise; in between, a spherical blend."""

    value: float


@dataclass(frozen=True)
class SetHold:
    """True: keep repeating the current bar instead of generating new ones."""

    on: bool


@dataclass(frozen=True)
class SetBpm:
    """Tempo of the internal clock, or of the Link session (every peer follows)."""

    value: float


@dataclass(frozen=True)
class SetClock:
    source: str  # "midi" | "internal" | "link"


@dataclass(frozen=True)
class Play:
    pass


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class SetGain:
    """Linear output gain (1 = unity)."""

    value: float


@dataclass(frozen=True)
class RecallScene:
    """Recall scene `index` (0-based) of the `--config` file; heard from the next downbeat."""

    index: int


@dataclass(frozen=True)
class Morph:
    """Move the prompt mix over `bars` bars to one where `prompt` has the share `weight` (0..1)
    and the current mix the rest (weight 1: only `prompt`)."""

    prompt: str
    weight: float
    bars: int


@dataclass(frozen=True)
class SetSlotWeight:
    """Weight of prompt slot `slot` (0-based); the prompts become the slots' weighted mix."""

    slot: int
    weight: float


@dataclass(frozen=True)
class TriggerSlot:
    """Prompt slot `slot` alone becomes the prompt (a MIDI note)."""

    slot: int


@dataclass(frozen=True)
class DefineWord:
    """The performer's own word: prompts read `word` as `meaning` ("sidestick" = "rim clicks");
    an empty meaning forgets the word. `word` is one lower-case word (`control.words.definable`)."""

    word: str
    meaning: str = ""


@dataclass(frozen=True)
class StemGain:
    """Linear gain (0..2) of one stem (drums, bass, music): at the next downbeat, or `now`."""

    stem: str
    gain: float
    now: bool = False


@dataclass(frozen=True)
class StemMute:
    """Mute (or unmute) one stem: at the next downbeat, or `now`."""

    stem: str
    muted: bool
    now: bool = False


@dataclass(frozen=True)
class Drop:
    """Mute `stem` now and bring it back at the next downbeat (a DJ's drop)."""

    stem: str = "drums"


@dataclass(frozen=True)
class SetKey:
    """The key the stem generator plays in; None: no key."""

    key: Key | None


@dataclass(frozen=True)
class SetKeyRoot:
    """The key's root (a MIDI note's pitch class, 0..11); keeps the mode (minor if no key was
    set)."""

    root: int


@dataclass(frozen=True)
class StatusRequest:
    pass


@dataclass(frozen=True)
class Subscribe:
    """Start (or stop) sending /livegen/beat and /livegen/bar to the sender."""

    on: bool = True


Command = (
    SetPrompts
    | SetAudioPrompt
    | SetGuidance
    | SetSteps
    | SetSeed
    | SetVariation
    | SetHold
    | SetBpm
    | SetClock
    | Play
    | Stop
    | SetGain
    | RecallScene
    | Morph
    | SetSlotWeight
    | TriggerSlot
    | DefineWord
    | StemGain
    | StemMute
    | Drop
    | SetKey
    | SetKeyRoot
    | StatusRequest
    | Subscribe
)
