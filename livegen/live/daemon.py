"""The daemon's wiring: who owns what, and the threads that run it.

Threads (all but the first are ordinary Python threads; only the first has real-time rules):

- audio callback (PortAudio's thread): `OutputEngine.callback` → `BarPlayer.render` (with a
  stem source: one layer per stem, then `StemMixer.mix`: stem gains and mutes, the mix on
  channels 0-1, each stem on its own pair after it), gain ramp, time-base log, recorder ring.
  Reads nothing another thread locks.
- producer: ingests the callback's log into the `FrameClock`, asks the `Scheduler` what is due,
  renders (the model releases the GIL while it runs), fits, queues into the player. The only
  caller of `BarPlayer.queue`.
- control: OSC datagrams and MIDI control messages → commands → session/settings, timed
  bundles, clock poll → beats out, the status line. Wakes on every datagram, every MIDI
  message, every prompt embedding ready (`control_wake`) and just after every beat.
- OSC receiver, concept worker, recorder writer: small I/O threads (see their modules).

Shared state crosses threads only as whole immutable objects swapped by one assignment
(`CommandHandler.settings`, the `FrameClock.line`, published status tuples) or as counters with one
writer each; the clock sits behind `clock.shared.SharedClock`'s lock (never taken by the callback).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from livegen.clock.shared import SharedClock
from livegen.clock.sources import TransportSource
from livegen.control.commands import STEMS
from livegen.control.keys import Key
from livegen.control.state import Session
from livegen.live.audio.output import OutputEngine
from livegen.live.audio.player import FADE_SECONDS, BarPlayer
from livegen.live.audio.recorder import Recorder
from livegen.live.audio.stems import StemMixer
from livegen.live.audio.timebase import CallbackLog, ClockTimeline, FrameClock
from livegen.live.audio.watchdog import AudioWatch
from livegen.live.desk.control import Controller
from livegen.live.desk.midicontrol import MidiControl, MidiControlPort
from livegen.live.desk.oscserver import OscServer, Sender
from livegen.live.desk.status import StatusLine
from livegen.live.pipeline.concepts import ConceptRequest, ConceptWorker
from livegen.live.pipeline.producer import Producer
from livegen.live.pipeline.scheduler import Scheduler, SchedulerConfig
from livegen.live.pipeline.source import BarSource

GUARD = 0.002  # extra lead before the callback that renders a bar's first block


class Daemon:
    """Args:
    source: renders bars.
    clock: the clock source (on `now`'s time).
    session: the initial session.
    sample_rate: the output stream's rate.
    conditioner: embeds prompts (None: no concept vectors).
    osc: the UDP shell (None: no OSC).
    recorder: `--record` (None: no recording).
    make_clock: builds a clock by name for `/livegen/clock`.
    reply_to: `--reply` address.
    gain: initial output gain.
    output_offset: seconds added to the reported output latency.
    status: the terminal status line (None: quiet).
    scheduler: tuning (its `lead` is set from the stream once it runs).
    now: the time function every part shares.
    channels: output channels; with a stem source (`source.stems`) the mix is on 0-1 and each
        stem on a pair after it, as many as fit (8: mix, drums, bass, music).
    midi: MIDI control (`--midi-control`, `--config` [midi]; None: none).
    """

    def __init__(
        self,
        source: BarSource,
        clock: TransportSource,
        session: Session,
        sample_rate: int,
        conditioner: Any | None = None,
        osc: OscServer | None = None,
        recorder: Recorder | None = None,
        make_clock: Callable[[str], TransportSource] | None = None,
        reply_to: Sender | None = None,
        gain: float = 1.0,
        output_offset: float = 0.0,
        status: StatusLine | None = None,
        scheduler: SchedulerConfig | None = None,
        now: Callable[[], float] = time.monotonic,
        channels: int = 2,
        midi: MidiControl | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.now = now
        self.source = source
        self.osc = osc
        self.recorder = recorder
        self.status = status
        self.midi = midi
        if midi is not None and osc is not None and isinstance(midi.port, MidiControlPort):
            midi.port.wake = osc.wake  # a MIDI message wakes the control thread as a datagram does
        self.stems: tuple[str, ...] = tuple(getattr(source, "stems", ()))
        fade = round(FADE_SECONDS * sample_rate)
        self.player = BarPlayer(len(self.stems) or channels, fade=fade, max_block=16384)
        session = replace(
            session,
            gain=gain,
            model_stems=self.stems,
            model_keys=bool(getattr(source, "keys", False)),
            model_key_guidance=getattr(source, "key_guidance", None),
        )
        if not session.model_keys:  # a config's key guidance and lock mean nothing to a mix model
            session = replace(session, key_guidance=None, key_lock=True)
        self.mixer = None
        if self.stems:
            order = [STEMS.index(stem) for stem in self.stems]
            self.mixer = StemMixer(self.stems, channels, fade, 16384,
                                   tuple(session.stem_gains[i] for i in order),
                                   tuple(session.stem_mutes[i] for i in order))  # fmt: skip
        self.log = CallbackLog()
        self.engine = OutputEngine(
            self.player,
            sample_rate,
            channels,
            self.log,
            recorder.ring if recorder else None,
            gain=gain,
            now=now,
            stems=self.mixer,
        )
        self.frames = FrameClock(sample_rate, output_offset)
        self.clock = SharedClock(clock)
        self.timeline = ClockTimeline(self.clock, self.frames)
        self.scheduler = Scheduler(self.timeline, scheduler)
        self.concepts = ConceptWorker(conditioner)
        # One event wakes the control thread: a datagram, a MIDI message, a concept result.
        self.control_wake = osc.wake if osc is not None else threading.Event()
        self.concepts.notify = self.control_wake
        self.controller = Controller(session, self.clock, self.concepts, osc,
                                     self._set_gain, self.live, make_clock, reply_to, now=now,
                                     midi=midi, stems=self.mixer,
                                     key_played=self.key_played)  # fmt: skip
        self.producer = Producer(
            self.scheduler,
            source,
            self.player.queue,
            lambda: self.controller.settings,
            now,
            self._nothing_playing,
            channels,
            self._error,
        )
        self._silent = False  # silence queued because the transport stopped
        self._placed_at_silence = 0
        self._last_error = ""
        self._late_frozen: int | None = None
        self._late_excused = 0
        self._gen = (0.0, 0.0)  # (budget s, bar s), published by the producer thread
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._producer_epoch = self._control_epoch = self.controller.transport_epoch
        self._next_status = 0.0
        self.audio = AudioWatch()  # the callback's heartbeat: is the device still there?
        self.device = ""  # the output's name, for the messages about it
        self.started_at: float | None = None
        self.first_bar_at: float | None = None  # speaker time of the first bar placed

    # --- lifecycle ----------------------------------------------------------------------------
    def prepare(self) -> float:
        """Embed the first prompt and warm the source up (before the clock runs). Seconds."""
        t0 = time.perf_counter()
        s = self.controller.session
        request = ConceptRequest(0, s.prompts, s.audio_prompt, words=s.words)
        result = self.concepts.embed_now(request)
        if result.error is not None:
            raise ValueError(f"the first prompt cannot be embedded: {result.error}")
        self.controller.handler.concept_ready(result)
        self.producer.warm_up()
        return time.perf_counter() - t0

    def start(self) -> None:
        """Start the threads (the audio stream is started by its owner, before or after)."""
        self.started_at = self.now()
        self.concepts.start()
        if self.osc is not None:
            self.osc.start()
        if self.recorder is not None:
            self.recorder.start()
        if self.midi is not None:
            self.midi.start()
        for name, target in (("producer", self._producer_loop), ("control", self._control_loop)):
            thread = threading.Thread(target=target, name=f"livegen-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop the threads (then close the stream, then `close`)."""
        self._stop.set()
        self._wake.set()
        self.control_wake.set()
        for thread in self._threads:
            thread.join(timeout=10.0)
        self.concepts.stop()
        if self.status is not None:
            self.status.close()

    def close(self) -> None:
        """After the stream stopped: finalize the recording, close the socket and the clock."""
        if self.recorder is not None:
            self.recorder.stop()
        if self.osc is not None:
            self.osc.close()
        if self.midi is not None:
            self.midi.close()
        self.clock.close()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block until the callback has run long enough to map frames to time."""
        deadline = time.monotonic() + timeout
        while self.frames.ingest(self.log) is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    # --- what the world sees --------------------------------------------------------------------
    @property
    def late_bars(self) -> int:
        frozen = self._late_frozen
        return (self.player.late_bars if frozen is None else frozen) - self._late_excused

    def live(self) -> dict[str, Any]:
        state = self.clock.state(self.now())
        clock = self.controller.desk.view(state.t)
        session = self.controller.session
        last = self.producer.stats.last
        line = self.frames.line
        budget, bar_s = self._gen
        return {
            "bpm": clock["bpm"],  # the last tempo known while the clock knows none
            "bpm_known": clock["bpm_known"],
            "bar": state.bar,
            "beat": state.beat,
            "bar_beat": state.bar_beat,
            "playing": state.playing,
            "clock": clock["clock"],
            "peers": getattr(self.clock.source, "peers", None),  # Link only
            "scene": session.scene,
            "receiving": state.receiving,
            "free_running": state.free_running,
            "confidence": state.confidence,
            "prompt": session.prompt_text,
            "key": session.key,
            "key_played": self.key_played(session.key),
            "steps": session.steps,
            "guidance": session.guidance,
            "key_guidance": session.key_guidance_in_use,
            "key_lock": session.key_lock,
            "gen_ms": None if last is None else last.gen_ms,
            "budget_ms": budget * 1e3,
            "bar_ms": bar_s * 1e3,
            "late_bars": self.late_bars,
            "underruns": self.engine.underflows,
            "latency_ms": 0.0 if line is None else line.latency * 1e3,
            "notice": self.controller.notice,
            "audio": "lost" if self.audio.lost else "ok",
            "errors": self.producer.stats.errors + self.engine.errors + self.controller.failures,
        }

    # --- one step of each thread (what the threads loop over; virtual time in tests) ---------
    def step_producer(self, now: float) -> float:
        """One pass of the producer thread at `now`: read the callback's log, re-plan after a
        transport change, render, fit and queue what is due. Returns when to step again. The
        thread calls it in a loop; tests call it on virtual time (tests/live/conftest.py)."""
        if self.audio.lost:  # nothing would play what is rendered: wait for the device
            return now + 0.05
        line = self.frames.ingest(self.log)
        if line is None:
            return now + 0.005
        block = max(self.engine.max_frames, 1) / self.sample_rate
        lead = line.latency + block + GUARD
        if abs(lead - self.scheduler.config.lead) > 1e-4:
            self.scheduler.config = replace(self.scheduler.config, lead=lead)
        if self.controller.transport_epoch != self._producer_epoch:
            self._producer_epoch = self.controller.transport_epoch
            self.scheduler.reset()
            self._transport_changed(line.frame_at_speaker(now + lead))
        try:
            until = self.producer.step()
        except Exception as exc:  # a bug must not stop the music: report, carry on
            self._error(f"producer: {type(exc).__name__}: {exc}")
            until = self.now() + 0.05
        self._after_step()
        return until

    def step_control(self, now: float) -> float:
        """One pass of the control thread at `now`: commands, timed bundles, concept results,
        beats out, the audio watchdog, the status line. Returns when to step again."""
        try:
            wake = self.controller.step()
        except Exception as exc:
            self._error(f"control: {type(exc).__name__}: {exc}")
            wake = now + 0.05
        if self.controller.transport_epoch != self._control_epoch:
            self._control_epoch = self.controller.transport_epoch
            self._wake.set()  # the producer re-plans now, not at its next timeout
        self._watch_audio(now)
        if self.status is not None:
            if now >= self._next_status:
                self.status.show(self.live())
                self._next_status = now + 0.25
            wake = min(wake, self._next_status)
        return wake

    # --- threads ------------------------------------------------------------------------------
    def _producer_loop(self) -> None:
        while not self._stop.is_set():
            delay = self.step_producer(self.now()) - self.now()
            if delay > 0:
                self._wake.wait(min(delay, 0.05))
                self._wake.clear()

    def _control_loop(self) -> None:
        while not self._stop.is_set():
            wake = self.step_control(self.now())
            if self.osc is not None and self.osc.queue:
                time.sleep(0.002)  # a backlog: leave the interpreter to the others a moment
                continue
            delay = wake - self.now()
            if delay > 0:
                self.control_wake.wait(delay)
                self.control_wake.clear()

    # --- internals ----------------------------------------------------------------------------
    def _transport_changed(self, frame: float) -> None:
        if self.clock.state(self.now()).playing:
            return
        # Stopped: fade to silence at the next block we can still reach, and stop counting the
        # silence's repeats as late bars.
        silence = np.zeros((self.sample_rate, self.player.channels), np.float32)
        self.player.queue(int(np.ceil(frame)), silence)
        self._silent = True
        self._placed_at_silence = self.scheduler.placed
        if self._late_frozen is None:
            self._late_frozen = self.player.late_bars

    def _after_step(self) -> None:
        last = self.producer.stats.last
        bar_s = 0.0 if last is None else last.plan.length / self.sample_rate
        self._gen = (self.scheduler.budget, bar_s)
        if self._silent and self.scheduler.placed > self._placed_at_silence:
            # A bar was placed after the silence: count late bars again from here.
            self._silent = False
            if self._late_frozen is not None:
                self._late_excused += self.player.late_bars - self._late_frozen
                self._late_frozen = None
        if last is not None and self.first_bar_at is None:
            self.first_bar_at = self.timeline.speaker_time(last.plan.start)

    def _watch_audio(self, now: float) -> None:
        change = self.audio.step(self.engine.blocks, now)
        if change == "lost":
            name = f" '{self.device}'" if self.device else ""
            self._error(
                f"audio device{name} lost: no audio callback for "
                f"{self.audio.lost_after * 1e3:.0f} ms; OSC, clock and session carry on, "
                "waiting for it to return"
            )
        elif change == "back":
            self._error("audio device back")
        if change is not None:
            self.controller.announce(self.controller.notice)

    def key_played(self, key: Key | None) -> Key | None:
        """The key the source plays for `key` (None: no key, or no key input)."""
        if not getattr(self.source, "keys", False):
            return None
        played = getattr(self.source, "key_played", None)
        return key if played is None else played(key)

    def _nothing_playing(self) -> bool:
        return self._silent or self.player.playing_bar_start is None

    def _set_gain(self, gain: float) -> None:
        self.engine.target_gain = float(gain)

    def _error(self, message: str) -> None:
        self.controller.notice = message
        if self.status is not None and message != self._last_error:
            self.status.message(f"livegen: {message}")
        self._last_error = message
