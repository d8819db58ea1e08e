"""The control thread's work, composed of three parts with one job each:

- `handler.CommandHandler`: datagrams and MIDI commands → session and settings; refusals;
- `clockdesk.ClockDesk`: the clock's transport verbs, switching, and its state as reported;
- `replies.Replies`: answers, subscribers, `/livegen/beat`, `/livegen/bar`, notices.

`Controller.step(now)` is called in a loop by the daemon's control thread (and directly by
tests): datagrams from the `OscServer` queue (at most `batch` per step, so a flood cannot hog the
interpreter), MIDI control commands (`midicontrol.MidiControl`, from `MIDI_SENDER`), timed
bundles that are due, embedding results, then the clock's events. It returns when to step again
at the latest: just after the clock's next beat, or the next timed bundle.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from livegen.clock.events import Beat, ClockEvent, TransportChanged
from livegen.clock.shared import SharedClock
from livegen.clock.sources import TransportSource
from livegen.control.keys import Key
from livegen.control.osc import Incoming
from livegen.control.state import Session, status_args
from livegen.live.audio.stems import StemMixer
from livegen.live.desk.clockdesk import ClockDesk
from livegen.live.desk.handler import CommandHandler
from livegen.live.desk.midicontrol import MIDI_SENDER, MidiControl
from livegen.live.desk.oscserver import OscServer, Sender
from livegen.live.desk.replies import Replies
from livegen.live.pipeline.concepts import ConceptWorker


class Controller:
    """Args:
    session: the initial session.
    clock: the shared clock.
    concepts: the embedding worker.
    osc: the UDP shell (None: no OSC, e.g. in tests that call `handle` directly).
    set_gain: sets the callback's target gain.
    live: returns what the daemon measures (gen_ms, late_bars, underruns, budget_ms…); the
        clock's state (bpm, playing, clock) is read from the clock desk instead.
    make_clock: builds a source by name for `/livegen/clock` (see `ClockDesk`).
    reply_to: send every reply there instead of to the sender (`--reply`).
    start_lead: the internal clock's first downbeat is this far ahead of a `/livegen/play`.
    now: the clock's time function.
    batch: datagrams (and MIDI messages) handled per step at most.
    midi: MIDI control (None: none).
    stems: the callback's stem mixer (None: the model makes one mix).
    key_played: the key the model plays for the one asked.
    """

    def __init__(
        self,
        session: Session,
        clock: SharedClock,
        concepts: ConceptWorker,
        osc: OscServer | None = None,
        set_gain: Callable[[float], None] = lambda gain: None,
        live: Callable[[], dict[str, Any]] = dict,
        make_clock: Callable[[str], TransportSource] | None = None,
        reply_to: Sender | None = None,
        start_lead: float = 0.3,
        now: Callable[[], float] = time.monotonic,
        batch: int = 32,
        midi: MidiControl | None = None,
        stems: StemMixer | None = None,
        key_played: Callable[[Key | None], Key | None] = lambda key: key,
    ) -> None:
        self.osc = osc
        self.midi = midi
        self.batch = batch
        self._live = live
        self._now = now
        self.replies = Replies(osc, reply_to)
        self.desk = ClockDesk(clock, make_clock, now, start_lead, self.replies.announce,
                              self._clock_changed)  # fmt: skip
        self.handler = CommandHandler(session, self.desk, concepts, self.replies, set_gain,
                                      self.status, stems, key_played)  # fmt: skip
        self.failures = 0  # messages whose handling raised (see `_isolated`)

    # --- the parts' state, where the daemon and tests read it --------------------------------
    @property
    def session(self) -> Session:
        return self.handler.session

    @session.setter
    def session(self, session: Session) -> None:
        self.handler.session = session

    @property
    def settings(self) -> Any:
        return self.handler.settings

    @property
    def concepts(self) -> ConceptWorker:
        return self.handler.concepts

    @concepts.setter
    def concepts(self, worker: ConceptWorker) -> None:
        self.handler.concepts = worker

    @property
    def clock(self) -> SharedClock:
        return self.desk.clock

    @property
    def transport_epoch(self) -> int:
        return self.desk.transport_epoch

    @property
    def subscribers(self) -> set[Sender]:
        return self.replies.subscribers

    @subscribers.setter
    def subscribers(self, subscribers: set[Sender]) -> None:
        self.replies.subscribers = subscribers

    @property
    def notice(self) -> str:
        return self.replies.notice

    @notice.setter
    def notice(self, text: str) -> None:
        self.replies.notice = text

    @property
    def unknown_words(self) -> tuple[str, ...]:
        return self.handler.unknown_words

    @property
    def applied(self) -> int:
        return self.handler.applied

    def handle(self, data: bytes, sender: Sender, t: float, wall: float) -> None:
        self.handler.handle(data, sender, t, wall)

    def announce(self, text: str) -> None:
        self.replies.announce(text)

    # --- the loop body ----------------------------------------------------------------------
    def step(self, now: float | None = None) -> float:
        """Handle what is due; returns when to step again at the latest."""
        now = self._now() if now is None else now
        if self.osc is not None:
            for packet in self.osc.drain(self.batch):
                with self._isolated(packet.sender):
                    self.handler.handle(packet.data, packet.sender, packet.t, packet.wall)
            self.replies.report_overload(now)
        if self.midi is not None:
            for command in self.midi.commands(self.batch):
                with self._isolated(MIDI_SENDER):
                    self.handler.apply(Incoming(command, MIDI_SENDER))
        for item in self.handler.due(now):
            with self._isolated(item.sender):
                self.handler.apply(item)
        for result in self.concepts.collect():
            self.handler.concept_ready(result)
        for event in self.desk.step(now):
            self._clock_event(event)
        wake = now + 0.02
        if self.handler.timed:
            wake = min(wake, self.handler.timed[0][0])
        beat = self.desk.next_beat(now)
        return wake if beat is None else min(wake, beat)

    def status(self) -> tuple[Any, ...]:
        """`/livegen/status`: the session, the clock's own state, what the daemon measures."""
        live = {**self._live(), **self.desk.view()}
        osc, handler = self.osc, self.handler
        extras: tuple[Any, ...] = ("budget_ms", float(live.get("budget_ms", 0.0)))
        extras += ("latency_ms", float(live.get("latency_ms", 0.0)))
        extras += ("osc_dropped", int(osc.dropped if osc else 0))
        extras += ("audio", str(live.get("audio", "ok")))
        extras += ("timed_pending", len(handler.timed), "timed_refused", handler.timed_refused)
        kernel = osc.kernel_dropped() if osc else None
        extras += ("osc_kernel_dropped", -1 if kernel is None else kernel)
        extras += ("bpm_known", int(live["bpm_known"]))
        return status_args(self.session, live) + extras

    @contextlib.contextmanager
    def _isolated(self, sender: Sender) -> Iterator[None]:
        """One message's handling. A bug there is answered, shown and counted in `failures`, and
        the rest of the batch goes on (an exception out of `step` would drop it)."""
        try:
            yield
        except Exception as exc:
            self.failures += 1
            self.replies.refuse("", f"internal error: {type(exc).__name__}: {exc}", sender)
            self.notice = f"internal error: {type(exc).__name__}: {exc}"

    def _clock_event(self, event: ClockEvent) -> None:
        if isinstance(event, Beat):
            self.replies.beat(event)
        elif isinstance(event, TransportChanged):
            self.desk.transport_epoch += 1
            self.notice = "transport: play" if event.playing else "transport: stop"
        else:
            self.notice = type(event).__name__.replace("Clock", "clock ").lower()
        self.handler.clock_event(event)

    def _clock_changed(self, source: TransportSource) -> None:
        if self.midi is not None:
            self.notice = self.midi.clock_changed(source) or self.notice
