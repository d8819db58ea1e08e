"""The command handler: OSC datagrams and MIDI control commands → the session and the settings.

- a datagram goes through `control.osc.handle_packet`; its errors go back as `/livegen/error`;
- commands with a future time tag wait in a heap and are applied when due (`due`), never by
  sleeping; one too far ahead (`MAX_AHEAD`) or past `MAX_PENDING` is refused;
- `apply` applies one command and returns why it was refused (None: applied). A refusal is
  decided once: by the clock (`ClockDesk.transport`, `switch`) or by `control.state.apply`, and
  answered here;
- generation settings are published as an immutable `producer.Settings` (one reference swap,
  a new `version` each time) once a prompt's embedding is ready (`concepts.ConceptWorker`); the
  prompt's sender then gets `/livegen/unknown s ...`, the words the model cannot place;
  `/livegen/word` gives one a meaning and re-embeds the prompt (`ConceptRequest.words`);
- scenes and morphs are anchored at the next downbeat: a morph's step 1 is that bar, and a
  scene's gain changes when the clock reports it (`clock_event`). Like every change, the new
  settings are heard from the next bar generated after they arrive. A transport change (stop,
  relocate) completes a morph that has begun and moves one that has not to where the song
  resumes.
- stem gains and mutes go to the callback's `StemMixer` as they are applied (it switches them at
  the next downbeat, or within a block); a key, its key guidance and the key lock go into the
  settings like any generation setting, and a key's sender gets `/livegen/key s s`: the key asked
  for and the key the model plays.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from livegen.clock.events import TICKS_PER_BAR, Beat, ClockEvent, TransportChanged
from livegen.control import commands as cmd
from livegen.control.keys import Key
from livegen.control.osc import Incoming, Reply, handle_packet
from livegen.control.state import Refused, Session, apply
from livegen.live.audio.stems import GAIN, MUTE, StemMixer
from livegen.live.desk.clockdesk import ClockDesk
from livegen.live.desk.oscserver import Sender
from livegen.live.desk.replies import Replies
from livegen.live.pipeline.concepts import ConceptRequest, ConceptResult, ConceptWorker
from livegen.live.pipeline.producer import Settings

MAX_AHEAD = 3600.0  # s: a time tag further ahead is refused (a day-ahead flood filled memory)
MAX_PENDING = 1000  # timed messages waiting at most
_TRANSPORT = {cmd.Play: "/livegen/play", cmd.Stop: "/livegen/stop", cmd.SetBpm: "/livegen/bpm"}


class CommandHandler:
    """Args:
    session: the initial session.
    desk: the clock desk (transport, switching, where the next downbeat is).
    concepts: the embedding worker.
    replies: where answers go.
    set_gain: sets the callback's target gain.
    status: the `/livegen/status` reply's arguments.
    stems: the callback's stem mixer (None: the model makes one mix).
    key_played: the key the model plays for the one asked (`Generator.key_played`).
    """

    def __init__(
        self,
        session: Session,
        desk: ClockDesk,
        concepts: ConceptWorker,
        replies: Replies,
        set_gain: Callable[[float], None] = lambda gain: None,
        status: Callable[[], tuple[Any, ...]] = tuple,
        stems: StemMixer | None = None,
        key_played: Callable[[Key | None], Key | None] = lambda key: key,
    ) -> None:
        self.session = session
        self.stems = stems
        self.key_played = key_played
        self.desk = desk
        self.concepts = concepts
        self.replies = replies
        self._set_gain = set_gain
        self._status = status
        self._version = itertools.count(1)
        self._ticket = 0
        # the last embedded prompts: (prompts, audio prompt, morph) and their vectors
        self._good = (session.prompts, session.audio_prompt, session.morph)
        self._vectors: tuple[Any, tuple[Any, ...]] = (None, ())
        self._gain_at: tuple[int, float] | None = None  # a scene's gain, at that downbeat
        self._morph_started = False  # the clock reached the morph's first bar
        self.unknown_words: tuple[str, ...] = ()
        self.settings = self._settings(0)
        self.timed: list[tuple[float, int, Incoming]] = []
        self._seq = itertools.count()
        self.timed_refused = 0  # timed messages refused: too far ahead, or too many pending
        self.applied = 0

    def handle(self, data: bytes, sender: Sender, t: float, wall: float) -> None:
        """One datagram received at monotonic `t` (`wall`: the same instant on time.time())."""
        incoming, errors = handle_packet(data, sender, wall)
        for reply in errors:
            self.replies.send(reply)
        refused = ""
        for item in incoming:
            if item.when is None or item.when <= wall:
                self.apply(item)
            elif item.when - wall > MAX_AHEAD:
                refused = f"time tag {item.when - wall:.0f} s ahead; at most {MAX_AHEAD:.0f} s"
            elif len(self.timed) >= MAX_PENDING:
                refused = f"{MAX_PENDING} timed messages are pending already"
            else:
                heapq.heappush(self.timed, (t + (item.when - wall), next(self._seq), item))
                continue
            if refused and item.when is not None and item.when > wall:
                self.timed_refused += 1
        if refused:  # one reply per datagram, however many of its messages were refused
            self.replies.refuse("", f"bundle refused: {refused}", sender)

    def due(self, now: float) -> list[Incoming]:
        """The timed messages due at `now`, in time order (taken off the heap)."""
        out = []
        while self.timed and self.timed[0][0] <= now:
            out.append(heapq.heappop(self.timed)[2])
        return out

    def apply(self, item: Incoming) -> Refused | None:
        """Apply one command; the refusal (already answered to the sender), or None."""
        command, sender = item.command, item.sender
        self.applied += 1
        refused = self._refusal(command, sender)
        if refused is None:
            next_bar, playing = self.desk.next_downbeat()
            result = apply(self.session, command, next_bar)
            if isinstance(result, Refused):
                refused = result
            else:
                self._applied(command, sender, result, next_bar, playing)
        if refused is not None and refused.reason:
            self.replies.refuse(refused.address, refused.reason, sender)
        return refused

    def _refusal(self, command: cmd.Command, sender: Sender) -> Refused | None:
        """Commands for the desk and the replies (no session change): `Refused("", "")` stops
        one that was answered already."""
        match command:
            case cmd.StatusRequest():
                self.replies.send(Reply("/livegen/status", self._status(), sender))
                return Refused("", "")
            case cmd.Subscribe(on):
                self.replies.subscribe(on, sender)
                return Refused("", "")
            case cmd.Play() | cmd.Stop() | cmd.SetBpm():
                reason = self.desk.transport(command)
                return Refused(_TRANSPORT[type(command)], reason) if reason else None
            case cmd.SetClock(source):
                reason = self.desk.switch(source)
                return Refused("/livegen/clock", reason) if reason else None
            case cmd.SetGain(value):
                self._set_gain(value)
                self._gain_at = None
        return None

    def _applied(
        self, command: cmd.Command, sender: Sender, session: Session, next_bar: int, playing: bool
    ) -> None:
        before, self.session = self.session, session
        if session.morph is not before.morph:
            self._morph_started = False
        if isinstance(command, cmd.RecallScene):
            self._recalled(command.index, next_bar, playing)
        elif isinstance(command, cmd.StemGain | cmd.StemMute | cmd.Drop):
            self._stem(command)
        elif isinstance(command, cmd.SetKey | cmd.SetKeyRoot):
            played = self.key_played(session.key)
            names = ("none" if k is None else k.name for k in (session.key, played))
            self.replies.send(Reply("/livegen/key", tuple(names), sender))
        # a new word is answered like a prompt: the sender hears which words still mean nothing
        resend = isinstance(command, (cmd.SetPrompts, cmd.SetAudioPrompt, cmd.DefineWord))
        if resend or _prompting(before) != _prompting(session):
            self._ticket += 1
            s = session
            request = ConceptRequest(
                self._ticket, s.prompts, s.audio_prompt, sender, s.morph, s.words
            )
            if self.concepts.conditioner is None:
                self.concept_ready(self.concepts.embed_now(request))
            else:
                self.concepts.submit(request)
        elif _generation(before) != _generation(session):
            self.settings = self._settings(next(self._version))

    def concept_ready(self, result: ConceptResult) -> None:
        request = result.request
        if request.ticket != self._ticket:
            return  # a newer prompt is on its way
        if result.error is not None:
            prompts, audio, morph = self._good
            self.session = replace(self.session, prompts=prompts, audio_prompt=audio, morph=morph)
            address = "/livegen/audio_prompt" if request.audio_prompt else "/livegen/prompt"
            if request.sender is not None:
                self.replies.refuse(address, result.error, request.sender)
            self.replies.notice = f"prompt refused: {result.error}"
            return
        self._good = (request.prompts, request.audio_prompt, request.morph)
        self._vectors = (result.vector, result.morph_vectors)
        self.unknown_words = result.unknown_words
        self.settings = self._settings(next(self._version))
        # Words the model cannot place still go into the mix but mean little: say which, every
        # time (none: every word is known), so a patch can show and clear the warning.
        if request.sender is not None and request.prompts:
            reply = Reply("/livegen/unknown", tuple(result.unknown_words), request.sender)
            self.replies.send(reply)
        if result.unknown_words:
            words = ", ".join(result.unknown_words)
            self.replies.notice = f"the model cannot place: {words} (/livegen/word gives a meaning)"

    def clock_event(self, event: ClockEvent) -> None:
        """A scene's gain lands on its downbeat; a transport change settles the morph."""
        if isinstance(event, Beat) and event.downbeat:
            if self._gain_at is not None and event.bar >= self._gain_at[0]:
                self._set_gain(self._gain_at[1])
                self._gain_at = None
            morph = self.session.morph
            self._morph_started |= morph is not None and event.bar >= morph.start
        elif isinstance(event, TransportChanged):
            if self._gain_at is not None:
                self._set_gain(self._gain_at[1])
                self._gain_at = None
            self._transport_moved(event)

    # --- internals ----------------------------------------------------------------------------
    def _stem(self, command: cmd.StemGain | cmd.StemMute | cmd.Drop) -> None:
        if self.stems is None or command.stem not in self.stems.stems:
            return  # `state.apply` refused it already where the model has no such stem
        i = self.stems.stems.index(command.stem)
        match command:
            case cmd.StemGain(_, gain, now):
                self.stems.set(i, GAIN, gain, now)
            case cmd.StemMute(_, muted, now):
                self.stems.set(i, MUTE, float(muted), now)
            case cmd.Drop():
                self.stems.drop(i)

    def _settings(self, version: int) -> Settings:
        """Settings from the session, with the prompts whose embedding is ready."""
        s = self.session
        prompts, _, morph = self._good
        vector, morph_vectors = self._vectors
        bpm = self.desk.tempo() or s.bpm
        return Settings(version, prompts, vector, s.steps, s.guidance, s.seed, s.variation,
                        s.hold, bpm, morph, morph_vectors, s.key, s.key_guidance,
                        s.key_lock)  # fmt: skip

    def _recalled(self, index: int, bar: int, playing: bool) -> None:
        scene = self.session.scenes[index]
        notice = f"scene {index}" + (f" '{scene.name}'" if scene.name else "")
        self.replies.notice = notice + (f" from bar {bar}" if playing else "")
        if scene.gain is not None:
            if playing:
                self._gain_at = (bar, scene.gain)
            else:
                self._set_gain(scene.gain)

    def _transport_moved(self, event: TransportChanged) -> None:
        """A morph that has begun jumps to its target (the song stopped, or moved: a DAW loop
        would replay it forever); one that has not begun starts where the song resumes."""
        morph = self.session.morph
        if morph is None:
            return
        changed = (
            None
            if self._morph_started
            else replace(morph, start=math.ceil(event.song_tick / TICKS_PER_BAR - 1e-9))
        )
        self.session = replace(self.session, morph=changed)
        prompts, audio, good = self._good
        if good == morph:  # its vectors are ready (the steps keep their vectors)
            self._good = (prompts, audio, changed)
            if changed is None:
                self._vectors = (self._vectors[0], ())
            self.settings = self._settings(next(self._version))


def _generation(s: Session) -> tuple[Any, ...]:
    """The session fields a bar depends on (prompts go through the embedding first)."""
    return (s.steps, s.guidance, s.seed, s.variation, s.hold, s.key, s.key_guidance, s.key_lock)


def _prompting(s: Session) -> tuple[Any, ...]:
    """The session fields that go through the embedding."""
    return (s.prompts, s.audio_prompt, s.morph, s.words)
