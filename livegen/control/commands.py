"""Commands: what a performer asked for, as frozen dataclasses, whatever the transport (OSC, MIDI).

The core never sees raw OSC argument lists; the edge turns them into these and validates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from livegen.control.keys import Key

STEMS = ("drums", "bass", "music")  # a stem generator's stems, in its order (`Generator.stems`)
MAX_STEM_GAIN = 2.0  # linear: +6 dB, room to push one stem over the others


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
    """Linear gain (0..`MAX_STEM_GAIN`) of one stem of `STEMS`; heard at the next downbeat, or
    within one audio block with `now`."""

    stem: str
    gain: float
    now: bool = False


@dataclass(frozen=True)
class StemMute:
    """Mute (True) or unmute one stem, at the next downbeat or, with `now`, within one block."""

    stem: str
    muted: bool
    now: bool = False


@dataclass(frozen=True)
class Drop:
    """The breakdown gesture: mute `stem` now and bring it back at the next downbeat."""

    stem: str = "drums"


@dataclass(frozen=True)
class SetKey:
    """The key the next bars are generated in (None: no key, the model chooses)."""

    key: Key | None


@dataclass(frozen=True)
class SetKeyGuidance:
    """How hard a stem generator pushes to the key, on its own scale (None: the model's own)."""

    value: float | None


@dataclass(frozen=True)
class SetKeyLock:
    """Pull a stem generator's bass onto the key's scale (or the tempered grid without a key)
    from the next bar (False: the bass as the model made it)."""

    on: bool


@dataclass(frozen=True)
class SetKeyRoot:
    """A new root (pitch class 0..11, e.g. from a MIDI note) for the key; the mode stays, minor
    when no key was set."""

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
    | SetKeyGuidance
    | SetKeyLock
    | SetKeyRoot
    | StatusRequest
    | Subscribe
)
