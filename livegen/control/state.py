"""The performer's session state (what to generate next) and how commands change it. Pure logic.

`apply` is the one place a command that cannot be applied to the session is refused: it returns
a `Refused` (the address and the reason) instead of a session, and the caller answers with it.

The session is what the performer asked for, never the clock's state: `bpm`, `clock` and
`playing` are the last tempo, clock and transport asked for (the tempo is also the one bars use
while the clock knows none). What the clock does (playing, tempo) is read from the clock
(`/livegen/status`, OSCQuery), not from here.

Bar-synchronous changes (a prompt morph, a scene that morphs) are anchored to a song bar: `apply`
takes `next_bar`, the bar of the next downbeat, from the caller, which knows the clock.

Stems and key: `stem_gains` and `stem_mutes` are where each stem ends up once the changes asked
for have landed (a mute sent for the next downbeat is in the session at once; the audio callback
switches at the downbeat, `live.audio.stems`); a drop leaves its stem unmuted, as it will be from
the next downbeat. `model_stems` and `model_keys` say what the loaded model can do (set by the
daemon): stem and key commands (the key guidance and the key lock too) for a model without them
are refused here. `key_guidance` None follows the model's own push to the key
(`model_key_guidance`, from its manifest; None there: the concept's `guidance`). `key_lock` pulls
the bass stem's notes onto the key's scale (`BarRequest.key_lock`), on unless asked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from livegen.control import commands as cmd
from livegen.control.keys import Key
from livegen.control.morph import PromptMorph, Prompts, blend, strongest

MAX_MIX = 8  # prompts kept in a morph's target (the OSC limit of one /livegen/prompt)
MAX_WORDS = 64  # the performer's own words (/livegen/word, the config's [words])


@dataclass(frozen=True)
class Refused:
    """A command `apply` will not apply: `/livegen/error address reason` answers it."""

    address: str
    reason: str


@dataclass(frozen=True)
class Scene:
    """A stored set of settings (`[[scene]]` in the config); None leaves a setting as it is.

    Args:
        name: shown when it is recalled.
        prompts: the mix it switches (or morphs) to.
        morph: 0: the prompts change at the next downbeat; n > 0: they morph over n bars.
    """

    name: str = ""
    prompts: Prompts | None = None
    guidance: float | None = None
    key_guidance: float | None = None  # a number only: a scene cannot ask for the model's own
    key_lock: bool | None = None  # the bass pulled onto the key's scale, or not
    steps: int | None = None
    seed: int | None = None
    variation: float | None = None
    gain: float | None = None
    morph: int = 0


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
    bpm: float = 124.0  # the tempo asked for (bars use it while the clock knows none)
    playing: bool = True  # the transport asked for (the clock says whether it plays)
    slots: tuple[str, ...] = ()  # prompt slot texts (config), mixed by their weights
    slot_weights: tuple[float, ...] = ()
    scenes: tuple[Scene, ...] = ()  # from the config
    scene: int | None = None  # the scene recalled last
    morph: PromptMorph | None = None  # in progress (or done): `prompts` is its target
    words: tuple[tuple[str, str], ...] = ()  # the performer's (word, meaning), sorted by word
    stem_gains: tuple[float, ...] = (1.0,) * len(cmd.STEMS)  # linear, in `cmd.STEMS` order
    stem_mutes: tuple[bool, ...] = (False,) * len(cmd.STEMS)
    key: Key | None = None  # the key asked for (None: no key)
    key_guidance: float | None = None  # the push to the key asked for (None: the model's own)
    key_lock: bool = True  # the bass stem's notes pulled onto the key's scale
    model_stems: tuple[str, ...] = ()  # the loaded model's stems (empty: it makes one mix)
    model_keys: bool = False  # the loaded model takes a key
    model_key_guidance: float | None = None  # its own push to the key (None: `guidance`)

    def prompts_at(self, bar: int) -> Prompts:
        """The mix song bar `bar` plays (the morph's step there, or `prompts`)."""
        return self.prompts if self.morph is None else self.morph.prompts_at(bar)

    @property
    def key_guidance_in_use(self) -> float:
        """The push to the key the next bars are made with: the one asked for, else the
        model's own, else the concept's guidance (`Generator.latents`)."""
        for value in (self.key_guidance, self.model_key_guidance):
            if value is not None:
                return float(value)
        return float(self.guidance)

    @property
    def prompt_text(self) -> str:
        """Prompts as one line for status displays: "acid:0.7 | dub chords:0.3"."""
        if len(self.prompts) == 1:
            return self.prompts[0][0]
        return " | ".join(f"{text}:{weight:g}" for text, weight in self.prompts)


def apply(session: Session, command: cmd.Command, next_bar: int = 0) -> Session | Refused:
    """The session after `command`, or why it is refused (a scene or slot that does not exist, a
    word past `MAX_WORDS`); commands that ask rather than set leave it unchanged.

    Args:
        next_bar: the song bar of the next downbeat, where a morph starts (step 1).
    """
    match command:
        case cmd.SetPrompts(prompts):
            return replace(session, prompts=prompts, morph=None)
        case cmd.Morph(prompt, weight, bars):
            current = session.prompts_at(next_bar - 1)
            target = strongest(blend(current, ((prompt, 1.0),), weight), MAX_MIX)
            return _morph(session, target, next_bar, bars)
        case cmd.RecallScene(index) if not 0 <= index < len(session.scenes):
            count = len(session.scenes)
            return Refused("/livegen/scene", f"no scene {index}: the config has {count} (0-based)")
        case cmd.RecallScene(index):
            return _recall(session, session.scenes[index], next_bar, index)
        case cmd.SetSlotWeight(slot) | cmd.TriggerSlot(slot) if not 0 <= slot < len(session.slots):
            reason = f"no prompt slot {slot}: {len(session.slots)} slot(s) (0-based)"
            return Refused("/livegen/slot", reason)
        case cmd.SetSlotWeight(slot, weight):
            padded = (list(session.slot_weights) + [0.0] * len(session.slots))[: len(session.slots)]
            padded[slot] = weight
            session = replace(session, slot_weights=tuple(padded))
            mix = tuple((t, w) for t, w in zip(session.slots, padded, strict=True) if w > 0)
            # every slot at 0: nothing to mix, the prompts stay as they are
            return replace(session, prompts=mix, morph=None) if mix else session
        case cmd.TriggerSlot(slot):
            one_hot = tuple(1.0 if i == slot else 0.0 for i in range(len(session.slots)))
            prompts = ((session.slots[slot], 1.0),)
            return replace(session, prompts=prompts, slot_weights=one_hot, morph=None)
        case cmd.DefineWord(word, meaning):
            words = dict(session.words)
            if meaning:
                words[word] = meaning
            else:
                words.pop(word, None)
            if len(words) > MAX_WORDS:
                reason = f"{MAX_WORDS} words are defined already; forget one first"
                return Refused("/livegen/word", reason)
            return replace(session, words=tuple(sorted(words.items())))
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
        case cmd.StemGain() | cmd.StemMute() | cmd.Drop():
            return _stem(session, command)
        case cmd.SetKey() | cmd.SetKeyRoot() if not session.model_keys:
            reason = "the model has no key input (start livegen serve with --stems)"
            return Refused("/livegen/key", reason)
        case cmd.SetKeyGuidance() if not session.model_keys:
            reason = "the model has no key input (start livegen serve with --stems)"
            return Refused("/livegen/key_guidance", reason)
        case cmd.SetKeyLock() if not session.model_keys:
            reason = "the model has no key input (start livegen serve with --stems)"
            return Refused("/livegen/key_lock", reason)
        case cmd.SetKey(key):
            return replace(session, key=key)
        case cmd.SetKeyGuidance(value):
            return replace(session, key_guidance=value)
        case cmd.SetKeyLock(on):
            return replace(session, key_lock=bool(on))
        case cmd.SetKeyRoot(root):
            mode = "minor" if session.key is None else session.key.mode
            return replace(session, key=Key(int(root) % 12, mode))
    return session


_STEM_ADDRESS = {
    cmd.StemGain: "/livegen/stem",
    cmd.StemMute: "/livegen/mute",
    cmd.Drop: "/livegen/drop",
}


def _stem(session: Session, command: cmd.StemGain | cmd.StemMute | cmd.Drop) -> Session | Refused:
    address = _STEM_ADDRESS[type(command)]
    if not session.model_stems:
        return Refused(
            address, "the model makes one mix, no stems (start livegen serve with --stems)"
        )
    if command.stem not in session.model_stems:
        return Refused(address, f"no stem {command.stem!r}: the model's stems are "
                       + ", ".join(session.model_stems))  # fmt: skip
    i = cmd.STEMS.index(command.stem)
    if isinstance(command, cmd.StemGain):
        gains = list(session.stem_gains)
        gains[i] = float(command.gain)
        return replace(session, stem_gains=tuple(gains))
    mutes = list(session.stem_mutes)
    mutes[i] = command.muted if isinstance(command, cmd.StemMute) else False
    return replace(session, stem_mutes=tuple(mutes))


def _morph(session: Session, target: Prompts, start: int, bars: int) -> Session:
    old = session.prompts_at(start - 1)
    return replace(session, prompts=target, morph=PromptMorph(old, target, start, bars))


def _recall(session: Session, scene: Scene, next_bar: int, index: int) -> Session:
    changes: dict[str, Any] = {"scene": index}
    for name in ("guidance", "key_guidance", "key_lock", "steps", "seed", "variation", "gain"):
        value = getattr(scene, name)
        # one config serves stem and mix models: a mix model has no key to push to or lock
        if value is not None and (name not in ("key_guidance", "key_lock") or session.model_keys):
            changes[name] = value
    session = replace(session, **changes)
    if scene.prompts is None:
        return session
    if scene.morph > 0:
        return _morph(session, scene.prompts, next_bar, scene.morph)
    return replace(session, prompts=scene.prompts, morph=None)


def status_args(session: Session, live: dict[str, Any]) -> tuple[Any, ...]:
    """`/livegen/status` reply: alternating key, value pairs.

    Args:
        session: the current state.
        live: what the running daemon measures: bpm, bar, beat, playing and clock (read from
            the clock), gen_ms, late_bars, underruns, key_played (the key the model plays for
            the one asked, `Generator.key_played`). Without a clock (pure tests) bpm, playing
            and clock are the session's.
    """
    pairs: list[tuple[str, Any]] = [
        ("bpm", float(live.get("bpm", session.bpm))),
        ("bar", int(live.get("bar", 0))),
        ("beat", int(live.get("beat", 0))),
        ("playing", int(live.get("playing", session.playing))),
        ("clock", str(live.get("clock", session.clock))),
        ("prompt", session.prompt_text),
        ("steps", session.steps),
        ("guidance", float(session.guidance)),
        ("seed", session.seed),
        ("gen_ms", float(live.get("gen_ms") or 0.0)),  # None until the first bar is made
        ("late_bars", int(live.get("late_bars", 0))),
        ("underruns", int(live.get("underruns", 0))),
        ("key", "none" if session.key is None else session.key.name),
        ("key_played", str(live.get("key_played") or "none")),
        ("key_guidance", session.key_guidance_in_use),
        ("key_lock", int(session.key_lock)),
    ]
    for i, stem in enumerate(cmd.STEMS if session.model_stems else ()):
        pairs.append((f"{stem}_gain", float(session.stem_gains[i])))
        pairs.append((f"{stem}_mute", int(session.stem_mutes[i])))
    return tuple(x for pair in pairs for x in pair)
