"""`livegen serve`: the daemon's command line, start-up order and clean shutdown.

    livegen serve --model default                            # follow MIDI clock on "livegen"
    livegen serve --clock internal --bpm 124 --record set.wav
    livegen serve --clock link                               # join the Ableton Link session
    livegen serve --source loops --clock internal            # no model: corpus loops (demo)
    livegen serve --stems --record set.wav                   # stems on channels 3-8, one file each

Start-up order (what makes the first bar land on a downbeat within ~3 s): open the output (a
readable error without a sound card or JACK server), bind OSC, open the clock, start the stream,
embed the first prompt and warm the model up (its render times seed the budget, its last bar is
the pre-roll), start the threads, wait until the callback has mapped frames to time, then start
the internal clock far enough ahead for the first bar, and last serve OSCQuery (a port in use
only turns discovery off, with a one-line reason). SIGINT/SIGTERM stop the threads, the
stream, finalize the recording, close the ports, and exit 0.

MIDI clock over JACK: RtMidi stamps every event of a JACK cycle with the time its process
callback runs and drops the event's frame offset, so a sample-accurate sender's ticks (a DAW's
JACK MIDI out, jack_midi_clock) arrive stamped up to one period early, half a period on average
(2.7 ms at 256 frames): measured here as a constant -2.4 ms error at the loop starts. When both
the MIDI input and the audio run on JACK and `--midi-latency-ms` is left at 0, the daemon shifts
the ticks half a period later (`jack_midi_shift`). The real fix is frame-accurate stamping in
the clock room's JACK input.

Stems (`--stems`): the package's stem generator; the output has 8 channels, the mix on 1-2 and
drums, bass and music on 3-4, 5-6 and 7-8 (`live.audio.stems.channel_names`), as many as the
device offers. Under JACK the ports are renamed after them (`PortAudio:drums_L`, alias
`livegen:drums_L`: `live.audio.jackports`).

`start(args, source=...)` does all of it but the waiting, for tests and the benchmark.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from livegen.clock.options import make_clock
from livegen.clock.sources import InternalClock
from livegen.live import resume
from livegen.live.audio.jackports import JackNames
from livegen.live.audio.output import (
    NO_DEVICE_HELP,
    AudioDeviceError,
    AudioOutput,
    choose_output_device,
)
from livegen.live.audio.recorder import Recorder
from livegen.live.audio.stems import channel_names, channel_note, output_channels
from livegen.live.daemon import Daemon
from livegen.live.desk import midicontrol
from livegen.live.desk.clocks import Clocks, jack_midi_shift
from livegen.live.desk.oscquery import OscQueryServer
from livegen.live.desk.oscserver import OscServer
from livegen.live.desk.status import StatusLine
from livegen.live.options import add_arguments, first_prompt_and_key, key_lock
from livegen.live.pipeline.source import BarSource, GeneratorSource, LoopSource
from livegen.runtime.models import resolve_model

STOP_WITHIN = 1.5  # s: SIGTERM/Ctrl-C end the daemon within 2 s, whatever the device does
SWITCH_INTERVAL = 0.001  # s: how long another Python thread may hold the GIL from the callback


@dataclass
class Server:
    """A running daemon and its stream (from `start`)."""

    daemon: Daemon
    output: AudioOutput
    started: float  # time.monotonic() when `start` was called
    switch_interval: float
    midi_shift: float = 0.0  # s the JACK MIDI ticks were moved later (see the module docstring)
    oscquery: OscQueryServer | None = None
    oscquery_error: str = ""  # why OSCQuery is off although asked for (the daemon runs on)
    clocks: Clocks | None = None  # the sources `/livegen/clock` builds, a parked MIDI input
    ports: tuple[str, ...] = ()  # --stems under JACK: the output ports' new names
    channels_note: str = ""  # --stems: the channel map, or why stems are missing from it

    def stop(self) -> None:
        if self.oscquery is not None:
            self.oscquery.close()
        self.daemon.stop()
        if self.daemon.audio.lost and not self._plays_again():
            # A stream whose device went away cannot be stopped (PortAudio's JACK host waits
            # minutes for a callback that will not come): leave it, and PortAudio's exit handler
            # too, which would close it the same way.
            self.output.abandon()
        else:
            self.output.close()
        self.daemon.close()
        if self.clocks is not None:
            self.clocks.close()
        sys.setswitchinterval(self.switch_interval)

    def _plays_again(self, wait: float = 0.8) -> bool:
        """Whether callbacks come again within `wait` s of a loss: a device found lost may only
        have been starved (a C call that held the GIL for a second: python-rtmidi closing a JACK
        output waits up to 1 s for a cycle, and the loss shows after 0.5 s of it), and a stream
        that plays is closed, not left running."""
        blocks = self.daemon.engine.blocks
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.daemon.engine.blocks != blocks:
                return True
            time.sleep(0.02)
        return False


def load_models(args: argparse.Namespace) -> tuple[BarSource, Any | None]:
    """The bar source and the concept encoder, loaded side by side in two worker threads:
    onnxruntime builds a session without holding the GIL, so the encoder's 0.4 s hide behind
    the generator's 1 s (start-up). The main thread only waits, so the exception a signal
    raises (`run`) lands in that wait, never inside an import a worker runs (an import lock
    left held there deadlocked the workers and the pool's join). The source's error, if any,
    is the one raised."""
    pool = ThreadPoolExecutor(2, thread_name_prefix="livegen-load")
    try:
        source = pool.submit(load_source, args)
        conditioner = pool.submit(load_conditioner, args)
        both: list[Future[Any]] = [source, conditioner]
        wait(both)
        return source.result(), conditioner.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # an interrupted start does not join


def load_source(args: argparse.Namespace) -> BarSource:
    stems = bool(getattr(args, "stems", False))
    if args.source == "loops":
        return LoopSource(stems=stems)
    try:
        import livegen.runtime.generator  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ValueError(
            "this checkout has no generator runtime (livegen.runtime.generator); "
            "use --source loops to run without a model"
        ) from exc
    try:
        source: BarSource = GeneratorSource.load(
            resolve_model(args.model),
            device=args.compute,
            threads=model_threads(args.threads),
            stems=stems,
        )
    except (OSError, ValueError) as exc:  # ModelFileError: no stem generator in the package
        if not stems:
            raise
        raise ValueError(f"--stems: {exc}") from exc
    return source


def model_threads(asked: int | None) -> int:
    """Threads for the model: all cores but one unless asked. Without real-time scheduling, a
    model burst on every core starves the audio and clock threads (a 10-min soak on 2 cores:
    208 xruns with both cores for the model)."""
    if asked is not None:
        return max(1, asked)
    return max(1, (os.cpu_count() or 1) - 1)


def load_conditioner(args: argparse.Namespace) -> Any | None:
    """The concept encoder, or None with `--source loops` when the model folder has none."""
    from livegen.runtime.concept.conditioner import from_args

    try:
        return from_args(args, args.model)
    except (OSError, ValueError) as exc:  # ModelFileError is a ValueError or OSError
        if args.source == "loops":
            return None
        raise ValueError(f"cannot load the concept encoder from {args.model}: {exc}") from exc


def start(
    args: argparse.Namespace,
    source: BarSource | None = None,
    conditioner: Any | None = None,
    status: StatusLine | None = None,
) -> Server:
    """Open everything, warm up, start the stream and the threads; returns the running server.

    `source` and `conditioner` default to what `args` ask for (tests inject their own).
    """
    started = time.monotonic()
    switch_interval = sys.getswitchinterval()
    config = midicontrol.load_config(args)  # a bad config stops here, before anything opens
    if source is None and conditioner is None:
        source, conditioner = load_models(args)
    elif source is None:
        source = load_source(args)
    conditioner = matching_conditioner(source, conditioner)
    try:
        import sounddevice as sd  # imported late: PortAudio lists the devices there are now
    except OSError as exc:
        raise AudioDeviceError(f"PortAudio is not available ({exc}); {NO_DEVICE_HELP}") from exc

    device = choose_output_device(sd, args.device)
    rate = int(args.sample_rate or sd.query_devices(device)["default_samplerate"])
    state = resume.load_state(args.resume) if getattr(args, "resume", None) else None
    channels = output_channels(sd, device, tuple(getattr(source, "stems", ())))
    names = JackNames() if channels > 2 else None
    before = names.ports() if names is not None else set()
    try:
        daemon, clocks, output = _open(
            args, config, source, conditioner, status, device, rate, state, channels
        )
        ports: tuple[str, ...] = ()
        if names is not None and "JACK" in output.info.host_api:
            ports = tuple(names.name_new(before, channel_names(daemon.stems)[:channels]))
    finally:
        if names is not None:
            names.close()
    sys.setswitchinterval(SWITCH_INTERVAL)
    output.start()
    daemon.device = output.info.device
    server = Server(daemon, output, started, switch_interval, clocks=clocks, ports=ports)
    server.channels_note = channel_note(daemon.stems, channels, ports)
    try:
        _run_daemon(args, server, state)
    except BaseException:
        server.stop()
        raise
    return server


def matching_conditioner(source: BarSource, conditioner: Any | None) -> Any | None:
    """The concept encoder if the generator takes its vectors; None for an unconditioned one."""
    model_dim = getattr(source, "concept_dim", None)
    if conditioner is not None and model_dim is not None and model_dim != conditioner.dim:
        if model_dim:
            raise ValueError(
                f"the concept encoder makes {conditioner.dim}-d vectors, the generator takes "
                f"{model_dim}-d: use the encoder shipped with the model"
            )
        return None  # an unconditioned model: prompts only name the session
    return conditioner


def _open(
    args: argparse.Namespace,
    config: Any,
    source: BarSource,
    conditioner: Any | None,
    status: StatusLine | None,
    device: Any,
    rate: int,
    state: dict[str, Any] | None,
    channels: int = 2,
) -> tuple[Daemon, Clocks, AudioOutput]:
    """Bind OSC, open the clock (and park a MIDI input), MIDI control, the recorder, build the
    daemon and its output stream (not started); on any failure, close what was opened."""
    allow = {a.strip() for item in args.osc_allow or () for a in item.split(",") if a.strip()}
    fd = None if state is None else state.get("osc_fd")
    osc = OscServer(args.osc_host, args.osc_port, allow or None,
                    sock=None if fd is None else resume.osc_socket(fd))  # fmt: skip
    opened: list[Any] = [osc]
    try:
        clock = make_clock(args, now=time.monotonic)
        opened.append(clock)
        stems = tuple(getattr(source, "stems", ()))
        recorder = None
        if args.record:
            recorder = Recorder(args.record, rate, channels, append=state is not None, stems=stems)
        prompt, key = first_prompt_and_key(args, bool(stems))
        session = config.make_session(
            prompts=None if prompt is None else ((prompt, 1.0),),
            key=key,
            key_guidance=getattr(args, "key_guidance", None),
            key_lock=key_lock(args),
            steps=args.steps,
            guidance=args.guidance,
            seed=args.seed,
            variation=args.variation,
            gain=args.gain,
            clock=args.clock,
            bpm=float(args.bpm),
        )
        clocks = Clocks(args, session.bpm)
        opened.append(clocks)
        clocks.open_midi_early()
        say = status.message if status is not None else None
        midi = midicontrol.open_control(
            args, config, clocks.parked or clock, len(session.slots), say
        )
        if midi is not None:
            opened.append(midi)
        daemon = Daemon(
            source,
            clock,
            session,
            rate,
            conditioner=conditioner,
            osc=osc,
            recorder=recorder,
            make_clock=clocks,
            reply_to=args.reply,
            gain=session.gain,
            output_offset=args.output_offset_ms / 1000.0,
            status=status,
            midi=midi,
            channels=channels,
        )
        output = AudioOutput(daemon.engine, device, rate, args.blocksize, args.latency)
    except BaseException:
        for thing in opened:
            thing.close()
        raise
    return daemon, clocks, output


def _run_daemon(args: argparse.Namespace, server: Server, state: dict[str, Any] | None) -> None:
    """With the stream running: restore a resumed session, warm up, start the threads, start
    the internal clock far enough ahead for the first bar, serve OSCQuery."""
    daemon, output = server.daemon, server.output
    clock = daemon.clock.source
    if state is not None:
        resume.restore_session(daemon, state)
    daemon.prepare()
    daemon.start()
    if not daemon.wait_ready():
        raise OSError(f"the audio stream on '{output.info.device}' does not run")
    server.midi_shift = jack_midi_shift(
        clock, output.info.host_api, daemon.engine.max_frames, daemon.sample_rate,
        args.midi_latency_ms,
    )  # fmt: skip
    if isinstance(clock, InternalClock):
        line = daemon.frames.line
        lead = daemon.scheduler.budget + (line.latency if line else 0.0) + 0.1
        first = time.monotonic() + lead
        daemon.clock.run(lambda c: resume.start_clock(c, state, first))
    server.oscquery, server.oscquery_error = open_oscquery(args, daemon)


def open_oscquery(args: argparse.Namespace, daemon: Daemon) -> tuple[OscQueryServer | None, str]:
    """Serve OSCQuery next to the OSC server; a port in use turns it off with a reason, since
    discovery is a convenience and must not keep the music from starting."""
    if args.no_oscquery or daemon.osc is None:
        return None, ""
    host, osc_port = daemon.osc.address
    port = args.oscquery_port
    if port is None:
        port = args.osc_port + 1 if 0 < args.osc_port < 65535 else 0
    try:
        server = OscQueryServer(
            lambda: daemon.controller.session,
            (host, osc_port),
            host,
            port,
            daemon.osc.allow,
            current_clock=daemon.controller.desk.view,
        )
    except OSError as exc:
        return None, str(exc)
    server.start()
    return server, ""


class _Interrupted(BaseException):
    """SIGINT/SIGTERM while `start` runs (a BaseException: nothing on the way catches it)."""


def _stopped_while_starting(halt: Callable[[int], Any]) -> int:
    """A signal while `start` ran: what it opened is closed, but a library whose import or init
    the signal cut short can crash in its finalisers at exit (SIGSEGV after an interrupted
    `import onnxruntime`), so the process ends without running them."""
    print("livegen serve: stopped while starting", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    halt(0)
    return 0


# What `start` imports late that loads native code (onnxruntime, scipy): `preload` runs it first.
HEAVY_MODULES = (
    "livegen.runtime.generator",
    "livegen.runtime.concept.conditioner",
    "livegen.corpus.loop",
)


def preload(modules: tuple[str, ...] = HEAVY_MODULES) -> None:
    """Import `modules` while SIGINT and SIGTERM keep the system's default action, so a signal
    then ends the process in the kernel at once (nothing is open yet). Under our handler it
    would wait for the interpreter: Python runs handlers between bytecodes, and an extension's
    load and init (a cold disk cache) holds the interpreter for as long as it takes (a SIGTERM
    0.7-1.2 s into start-up once took 2.06 s, where 10-50 ms is usual)."""
    import importlib

    previous = {sig: signal.signal(sig, signal.SIG_DFL) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace, halt: Callable[[int], Any] = os._exit) -> int:
    """`livegen serve`: run until SIGINT or SIGTERM; 0 on a clean stop, 1 if it cannot start.
    `halt` ends the process when a signal left a library half-loaded (tests pass a recorder)."""
    from livegen.clock.midi_io import MidiPortError

    preload()
    status = StatusLine(enabled=not args.quiet)
    stop = threading.Event()
    starting = [True]

    def on_signal(*_: Any) -> None:
        stop.set()
        if starting[0]:  # still starting (loading, warming up): give up at once, cleaned up
            raise _Interrupted

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server = start(args, status=status)
        except Exception as exc:
            if not stop.is_set():  # else the signal landed in a library that wrapped _Interrupted
                if isinstance(exc, (AudioDeviceError, MidiPortError, OSError, ValueError)):
                    print(f"livegen serve: {exc}", file=sys.stderr)
                    return 1
                raise
            return _stopped_while_starting(halt)
        except _Interrupted:
            return _stopped_while_starting(halt)
        starting[0] = False
        d, info = server.daemon, server.output.info
        osc = d.osc.address if d.osc else None
        status.message(
            f"livegen serve: {info.device} ({info.host_api}) {info.sample_rate} Hz, output latency "
            f"{d.live()['latency_ms']:.1f} ms; OSC on {osc[0]}:{osc[1]}; clock {d.clock.name}; "
            f"source {type(d.source).__name__}; budget {d.scheduler.budget * 1e3:.0f} ms"
            if osc else "livegen serve: running"
        )  # fmt: skip
        if server.channels_note:
            status.message(f"livegen serve: {server.channels_note}")
        if server.oscquery is not None:
            status.message(f"OSCQuery on {server.oscquery.url}")
        elif server.oscquery_error:
            status.message(f"livegen serve: {server.oscquery_error}; running without OSCQuery")
        if args.resume:
            status.message(f"livegen serve: audio device back: resumed at bar {d.live()['bar']}")
        reported = False
        watch = resume.DeviceWatch(args.device, info.sample_rate)
        while not stop.wait(0.1):
            if not reported and d.first_bar_at is not None:
                reported = True
                status.message(
                    f"first bar audible {d.first_bar_at - server.started:.2f} s after start"
                )
            now = time.monotonic()
            lost_at = d.audio.lost_at
            # a second more first: a callback only stalled (a starved CPU) comes back by itself
            if lost_at is not None and now - lost_at > 1.0 and watch.back(now):
                resume.restart(server, getattr(args, "argv", None))
        watch.close()
        resume.stop_within(server, STOP_WITHIN, status)
        rec = d.recorder
        status.message(
            f"stopped: {d.scheduler.placed} bars placed, {d.late_bars} late, "
            f"{d.engine.underflows} underruns"
            + (
                f"; recorded {rec.frames / info.sample_rate:.1f} s to "
                + ", ".join(str(p) for p in rec.paths)
                if rec
                else ""
            )
        )
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livegen serve", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.argv = None if argv is None else list(argv)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
