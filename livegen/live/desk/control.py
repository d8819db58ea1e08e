"""The control thread's work: OSC commands, timed bundles, prompt embedding results, beats out.

`Controller.step(now)` is called in a loop by the daemon's control thread (and directly by tests):

- datagrams from the `OscServer` queue (at most `batch` per step, so a flood cannot hog the
  interpreter) go through `control.osc.handle_packet`; errors go back as `/livegen/error s s`;
- commands with a future time tag wait in a heap and are applied when due (never by sleeping);
- generation settings are published as an immutable `producer.Settings` (one reference swap,
  a new `version` each time) once a prompt's embedding is ready (`concepts.ConceptWorker`);
  the prompt's sender then gets `/livegen/unknown s ...`, the words the model cannot place;
  `/livegen/word` gives one a meaning and re-embeds the prompt (`ConceptRequest.words`);
- clock events: every `Beat` goes to subscribers as `/livegen/beat i i` (bar, beat; 0-based, as
  the clock counts) and every downbeat as `/livegen/bar i`, when the clock reports it; a
  transport change bumps `transport_epoch` (the producer then re-plans);
- MIDI control (`midicontrol.MidiControl`): CCs and notes become the same commands as OSC, from
  `MIDI_SENDER` (their errors go to the status line, or to `--reply`);
- scenes and morphs are anchored at the next downbeat (`_next_downbeat`): a morph's step 1 is
  that bar, and a scene's gain changes when the clock reports it. Like every change, the new
  settings are heard from the next bar generated after they arrive. A transport change (stop,
  relocate) completes a morph that has begun and moves one that has not to where the song
  resumes.

The clock sits behind `livegen.clock.shared.SharedClock`, whose `switch` serves `/livegen/clock`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from livegen.clock.events import PPQN, TICKS_PER_BAR, Beat, ClockEvent, TransportChanged
from livegen.clock.link import LinkClock
from livegen.clock.shared import SharedClock
from livegen.clock.sources import ClockSource, InternalClock
from livegen.control import commands as cmd
from livegen.control.osc import Incoming, Reply, encode, error_reply, handle_packet
from livegen.control.state import MAX_WORDS, Session, apply, status_args
from livegen.live.desk.midicontrol import MIDI_SENDER, MidiControl
from livegen.live.desk.oscserver import OscServer, Sender
from livegen.live.desk.switching import WAITING, ClockSwitch
from livegen.live.pipeline.concepts import ConceptRequest, ConceptResult, ConceptWorker
from livegen.live.pipeline.producer import Settings

MAX_SUBSCRIBERS = 16
MAX_AHEAD = 3600.0  # s: a time tag further ahead is refused (a day-ahead flood filled memory)
MAX_PENDING = 1000  # timed messages waiting at most


class Controller:
    """Args:
    session: the initial session.
    clock: the shared clock.
    concepts: the embedding worker.
    osc: the UDP shell (None: no OSC, e.g. in tests that call `handle` directly).
    set_gain: sets the callback's target gain.
    live: returns what the daemon measures (bpm, bar, beat, gen_ms, late_bars, underruns…).
    make_clock: builds a source by name ("midi" | "internal" | "link") for `/livegen/clock`;
        its `retire(source)`, if it has one, takes the source switched away from (else closed).
    reply_to: send every reply there instead of to the sender (`--reply`).
    start_lead: the internal clock's first downbeat is this far ahead of a `/livegen/play`.
    now: the clock's time function.
    batch: datagrams (and MIDI messages) handled per step at most.
    midi: MIDI control (None: none).
    """

    def __init__(
        self,
        session: Session,
        clock: SharedClock,
        concepts: ConceptWorker,
        osc: OscServer | None = None,
        set_gain: Callable[[float], None] = lambda gain: None,
        live: Callable[[], dict[str, Any]] = dict,
        make_clock: Callable[[str], ClockSource] | None = None,
        reply_to: Sender | None = None,
        start_lead: float = 0.3,
        now: Callable[[], float] = time.monotonic,
        batch: int = 32,
        midi: MidiControl | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.concepts = concepts
        self.osc = osc
        self._set_gain = set_gain
        self._live = live
        self._make_clock = make_clock
        self.reply_to = reply_to
        self.start_lead = start_lead
        self._now = now
        self.batch = batch
        self.midi = midi
        self._version = itertools.count(1)
        self._ticket = 0
        # the last embedded prompts: (prompts, audio prompt, morph) and their vectors
        self._good = (session.prompts, session.audio_prompt, session.morph)
        self._vectors: tuple[Any, tuple[Any, ...]] = (None, ())
        self._gain_at: tuple[int, float] | None = None  # a scene's gain, at that downbeat
        self._morph_started = False  # the clock reached the morph's first bar
        self.unknown_words: tuple[str, ...] = ()
        self.settings = self._settings(0)
        self.transport_epoch = 0
        self.subscribers: set[Sender] = set()
        self._timed: list[tuple[float, int, Incoming]] = []
        self._seq = itertools.count()
        self.timed_refused = 0  # timed messages refused: too far ahead, or too many pending
        self._last_overload = 0.0
        self.notice = ""  # the latest event worth showing (clock lost, errors)
        self.sent = 0
        self.applied = 0
        self.failures = 0  # messages whose handling raised (see `_isolated`)
        self.switching = ClockSwitch(self)  # `/livegen/clock`

    # --- the loop body ----------------------------------------------------------------------
    def step(self, now: float | None = None) -> float:
        """Handle what is due; returns when to step again at the latest."""
        now = self._now() if now is None else now
        if self.osc is not None:
            for packet in self.osc.drain(self.batch):
                with self._isolated(packet.sender):
                    self.handle(packet.data, packet.sender, packet.t, packet.wall)
            self._report_overload(now)
        if self.midi is not None:
            for command in self.midi.commands(self.batch):
                with self._isolated(MIDI_SENDER):
                    self.apply(Incoming(command, MIDI_SENDER))
        while self._timed and self._timed[0][0] <= now:
            item = heapq.heappop(self._timed)[2]
            with self._isolated(item.sender):
                self.apply(item)
        for result in self.concepts.collect():
            self._concept_ready(result)
        self.switching.step(now)
        for event in self.clock.poll(now):
            self._clock_event(event)
        wake = now + 0.02
        if self._timed:
            wake = min(wake, self._timed[0][0])
        state = self.clock.state(now)
        if state.playing and state.bpm:
            to_beat = (PPQN - state.song_tick % PPQN) * 60.0 / (PPQN * state.bpm)
            wake = min(wake, now + to_beat + 0.0005)
        return wake

    @contextlib.contextmanager
    def _isolated(self, sender: Sender) -> Iterator[None]:
        """One message's handling. A bug there is answered, shown and counted in `failures`, and
        the rest of the batch goes on (an exception out of `step` would drop it)."""
        try:
            yield
        except Exception as exc:
            self.failures += 1
            self.notice = f"internal error: {type(exc).__name__}: {exc}"
            self.send(error_reply("", self.notice, sender))

    def handle(self, data: bytes, sender: Sender, t: float, wall: float) -> None:
        """One datagram received at monotonic `t` (`wall`: the same instant on time.time())."""
        incoming, errors = handle_packet(data, sender, wall)
        for reply in errors:
            self.send(reply)
        refused = ""
        for item in incoming:
            if item.when is None or item.when <= wall:
                self.apply(item)
            elif item.when - wall > MAX_AHEAD:
                refused = f"time tag {item.when - wall:.0f} s ahead; at most {MAX_AHEAD:.0f} s"
            elif len(self._timed) >= MAX_PENDING:
                refused = f"{MAX_PENDING} timed messages are pending already"
            else:
                heapq.heappush(self._timed, (t + (item.when - wall), next(self._seq), item))
                continue
            if refused and item.when is not None and item.when > wall:
                self.timed_refused += 1
        if refused:  # one reply per datagram, however many of its messages were refused
            self.send(error_reply("", f"bundle refused: {refused}", sender))

    def apply(self, item: Incoming) -> None:
        command, sender = item.command, item.sender
        self.applied += 1
        before = self.session
        match command:
            case cmd.StatusRequest():
                self.send(Reply("/livegen/status", self.status(), sender))
                return
            case cmd.Subscribe(on):
                target = self.reply_to or sender
                if on and len(self.subscribers) < MAX_SUBSCRIBERS:
                    self.subscribers.add(target)
                elif not on:
                    self.subscribers.discard(target)
                return
            case cmd.Play() | cmd.Stop() | cmd.SetBpm():
                source = self.clock.source
                shared = isinstance(source, LinkClock) and source.start_stop
                if not isinstance(source, InternalClock) and not shared:
                    if not isinstance(command, cmd.SetBpm):
                        reason = (
                            "the transport follows the Link session; start livegen with "
                            "--link-start-stop to share play/stop"
                            if isinstance(source, LinkClock)
                            else "the transport follows the MIDI clock: use the DAW's play/stop"
                        )
                        self.send(error_reply(_address(command), reason, sender))
                        return
                self._transport(command)
            case cmd.SetClock(source):
                if not self.switching.switch(source, sender):
                    return
            case cmd.SetGain(value):
                self._set_gain(value)
                self._gain_at = None
            case cmd.RecallScene(index) if index >= len(self.session.scenes):
                count = len(self.session.scenes)
                reason = f"no scene {index}: the config has {count} (0-based)"
                self._refuse("/livegen/scene", reason, sender)
                return
            case cmd.DefineWord(word, meaning) if (
                meaning
                and word not in dict(self.session.words)
                and len(self.session.words) >= MAX_WORDS
            ):
                reason = f"{MAX_WORDS} words are defined already; forget one first"
                self._refuse("/livegen/word", reason, sender)
                return
            case cmd.SetSlotWeight(slot) | cmd.TriggerSlot(slot) if slot >= len(self.session.slots):
                reason = f"no prompt slot {slot}: {len(self.session.slots)} slot(s) (0-based)"
                self._refuse("/livegen/slot", reason, sender)
                return
        next_bar, playing = self._next_downbeat()
        self.session = apply(self.session, command, next_bar)
        if self.session.morph is not before.morph:
            self._morph_started = False
        if isinstance(command, cmd.RecallScene):
            self._recalled(command.index, next_bar, playing)
        # a new word is answered like a prompt: the sender hears which words still mean nothing
        resend = isinstance(command, (cmd.SetPrompts, cmd.SetAudioPrompt, cmd.DefineWord))
        if resend or _prompting(before) != _prompting(self.session):
            self._ticket += 1
            s = self.session
            request = ConceptRequest(
                self._ticket, s.prompts, s.audio_prompt, sender, s.morph, s.words
            )
            if self.concepts.conditioner is None:
                self._concept_ready(self.concepts.embed_now(request))
            else:
                self.concepts.submit(request)
        elif _generation(before) != _generation(self.session):
            self.settings = self._settings(next(self._version))

    # --- replies ------------------------------------------------------------------------------
    def send(self, reply: Reply) -> None:
        to = self.reply_to or reply.to
        if self.osc is not None and to != MIDI_SENDER:
            self.osc.send(reply.encode(), to)
            self.sent += 1

    def status(self) -> tuple[Any, ...]:
        live = self._live()
        extras: tuple[Any, ...] = ("budget_ms", float(live.get("budget_ms", 0.0)))
        extras += ("latency_ms", float(live.get("latency_ms", 0.0)))
        extras += ("osc_dropped", int(self.osc.dropped if self.osc else 0))
        extras += ("audio", str(live.get("audio", "ok")))
        extras += ("timed_pending", len(self._timed), "timed_refused", self.timed_refused)
        kernel = self.osc.kernel_dropped() if self.osc else None
        extras += ("osc_kernel_dropped", -1 if kernel is None else kernel)
        session = self.session
        if self.switching.waiting:
            session = replace(session, clock=WAITING)
        return status_args(session, live) + extras

    def announce(self, text: str) -> None:
        """`/livegen/notice s` to the subscribers (or `--reply`): news a patch should show."""
        self.notice = text
        if self.reply_to is not None and self.reply_to not in self.subscribers:
            self.send(Reply("/livegen/notice", (text,), self.reply_to))
        self._broadcast("/livegen/notice", (text,))

    def _broadcast(self, address: str, args: tuple[Any, ...]) -> None:
        if self.osc is None or not self.subscribers:
            return
        data = encode(address, args)
        for target in list(self.subscribers):
            self.osc.send(data, target)
            self.sent += 1

    def _report_overload(self, now: float) -> None:
        if self.osc is None or not self.osc.overloaded or now - self._last_overload < 1.0:
            return
        self._last_overload = now
        targets, self.osc.overloaded = self.osc.overloaded, set()
        reason = f"overload: {self.osc.dropped} datagrams dropped so far; send less often"
        for target in targets:
            self.send(error_reply("", reason, target))
        self.notice = reason

    # --- internals ----------------------------------------------------------------------------
    def _settings(self, version: int) -> Settings:
        """Settings from the session, with the prompts whose embedding is ready."""
        s = self.session
        prompts, _, morph = self._good
        vector, morph_vectors = self._vectors
        state = self.clock.state()
        bpm = state.bpm if state.bpm and math.isfinite(state.bpm) else s.bpm
        return Settings(version, prompts, vector, s.steps, s.guidance, s.seed, s.variation,
                        s.hold, bpm, morph, morph_vectors)  # fmt: skip

    def _concept_ready(self, result: ConceptResult) -> None:
        request = result.request
        if request.ticket != self._ticket:
            return  # a newer prompt is on its way
        if result.error is not None:
            prompts, audio, morph = self._good
            self.session = replace(self.session, prompts=prompts, audio_prompt=audio, morph=morph)
            address = "/livegen/audio_prompt" if request.audio_prompt else "/livegen/prompt"
            if request.sender is not None:
                self._refuse(address, result.error, request.sender)
            self.notice = f"prompt refused: {result.error}"
            return
        self._good = (request.prompts, request.audio_prompt, request.morph)
        self._vectors = (result.vector, result.morph_vectors)
        self.unknown_words = result.unknown_words
        self.settings = self._settings(next(self._version))
        # Words the model cannot place still go into the mix but mean little: say which, every
        # time (none: every word is known), so a patch can show and clear the warning.
        if request.sender is not None and request.prompts:
            self.send(Reply("/livegen/unknown", tuple(result.unknown_words), request.sender))
        if result.unknown_words:
            words = ", ".join(result.unknown_words)
            self.notice = f"the model cannot place: {words} (/livegen/word gives a meaning)"

    def _refuse(self, address: str, reason: str, sender: Sender) -> None:
        self.send(error_reply(address, reason, sender))
        if sender == MIDI_SENDER:
            self.notice = f"MIDI: {reason}"

    def _next_downbeat(self) -> tuple[int, bool]:
        """The song bar of the next downbeat (where a stopped song resumes), and whether the
        transport runs."""
        state = self.clock.state(self._now())
        bars = state.song_tick / TICKS_PER_BAR
        if state.playing:
            return math.floor(bars) + 1, True
        return math.ceil(bars - 1e-9), False

    def _recalled(self, index: int, bar: int, playing: bool) -> None:
        scene = self.session.scenes[index]
        self.notice = f"scene {index}" + (f" '{scene.name}'" if scene.name else "")
        self.notice += f" from bar {bar}" if playing else ""
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

    def _clock_event(self, event: ClockEvent) -> None:
        if isinstance(event, Beat):
            self._broadcast("/livegen/beat", (event.bar, event.beat))
            if event.downbeat:
                self._broadcast("/livegen/bar", (event.bar,))
                if self._gain_at is not None and event.bar >= self._gain_at[0]:
                    self._set_gain(self._gain_at[1])
                    self._gain_at = None
                morph = self.session.morph
                self._morph_started |= morph is not None and event.bar >= morph.start
        elif isinstance(event, TransportChanged):
            self.transport_epoch += 1
            if self._gain_at is not None:
                self._set_gain(self._gain_at[1])
                self._gain_at = None
            self._transport_moved(event)
            self.notice = "transport: play" if event.playing else "transport: stop"
        else:
            self.notice = type(event).__name__.replace("Clock", "clock ").lower()

    def _transport(self, command: cmd.Command) -> None:
        now = self._now()

        def act(source: ClockSource) -> None:
            assert isinstance(source, InternalClock)
            if isinstance(command, cmd.Play) and not source.playing:
                source.start(now + self.start_lead)
            elif isinstance(command, cmd.Stop):
                source.stop(now)
            elif isinstance(command, cmd.SetBpm):
                source.set_bpm(command.value, now)

        def act_link(source: ClockSource) -> None:
            # The whole Link session follows: tempo always, play/stop with start/stop sync.
            assert isinstance(source, LinkClock)
            if isinstance(command, cmd.Play):
                source.play(now + self.start_lead)
            elif isinstance(command, cmd.Stop):
                source.stop()
            elif isinstance(command, cmd.SetBpm):
                source.set_bpm(command.value)

        if isinstance(self.clock.source, InternalClock):
            self.clock.run(act)
            self.transport_epoch += 1
        elif isinstance(self.clock.source, LinkClock):
            self.clock.run(act_link)
            self.transport_epoch += 1


def _generation(s: Session) -> tuple[Any, ...]:
    """The session fields a bar depends on (prompts go through the embedding first)."""
    return (s.steps, s.guidance, s.seed, s.variation, s.hold)


def _prompting(s: Session) -> tuple[Any, ...]:
    """The session fields that go through the embedding."""
    return (s.prompts, s.audio_prompt, s.morph, s.words)


def _address(command: cmd.Command) -> str:
    return {cmd.Play: "/livegen/play", cmd.Stop: "/livegen/stop"}.get(type(command), "")
