"""The audio output: the real-time callback (`OutputEngine`) and the sounddevice stream around it.

Real-time contract of `OutputEngine.callback` (python-sounddevice's rules): it fills `outdata[:]`
every time; never blocks, locks, logs or does I/O; allocates no arrays (every operation writes
into preallocated memory through `out=`). Per block it:

1. keeps its frame counter on the stream's clock: when, after an underflow flag, the stream
   time (`time.currentTime`) settles at least about a block ahead of the frames rendered, whole
   cycles went by unplayed (a JACK xrun skips periods), and the counter jumps over them, so the
   bars that follow still land on the clock's downbeats instead of periods late. A callback
   that was only delayed, and caught up, moves nothing; nor does a stream time that is still
   sliding back (see `_follow_stream_time`);
2. renders the bars (`BarPlayer.render`: placement, declick, repeat-when-late); with stems, into
   a preallocated buffer of one layer per stem, which `StemMixer.mix` weighs (stem gains and
   mutes) and sums into the mix and the stems' channels;
3. applies the gain with a linear ramp from the last block's gain to the target (no zipper noise
   when a performer moves a fader), then clips at full scale (`LIMIT`): no control, bar or
   gain can send more than 0 dBFS to the speakers; counts `output_underflow` flags;
4. logs (frame, time.monotonic(), dac delay) for the time base (`timebase.CallbackLog`);
5. pushes what it played into the recorder's ring.

Other threads only write `target_gain` (a float) and read the counters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from livegen.live.audio.player import BarPlayer
from livegen.live.audio.recorder import RecordRing
from livegen.live.audio.stems import StemMixer
from livegen.live.audio.timebase import CallbackLog

NO_DEVICE_HELP = (
    "no audio output device: PortAudio sees no sound card and no JACK server is running. "
    "Start one, e.g. `jackd --no-realtime -d dummy -r 48000 -p 256 &` (inaudible, for a "
    "headless machine), or plug in a sound card; `--device NAME` picks an output"
)


# How fast (s per s) the envelope of stream time vs frames may rise: it follows a sound card whose
# crystal is slower than the system clock (tens of ppm) and forgets a late callback's jitter.
CREEP = 1e-3
# After an underflow flag: callbacks per watch window (in thirds: the first is left out, it
# holds the catch-up), how far apart the minima of the last two thirds may be for the stream time
# to count as settled, and how many windows to wait for it to settle.
WATCH = 24
FLAT = 0.3e-3  # s
REWATCH = 12
LIMIT = 1.0  # full scale: the last thing the callback does to the samples is clip there


class AudioDeviceError(OSError):
    """The output could not be opened; the message says why and what to try."""


class OutputEngine:
    """Args:
    player: the bar player (its `render` is called from the callback).
    sample_rate: the stream's rate (Hz).
    channels: output channels.
    log: observations for the time base.
    record: the recorder's ring, or None.
    max_block: largest block the gain ramp is precomputed for (larger blocks get a step).
    gain: initial gain.
    now: the clock's time function (`time.monotonic`; must match the clock source's).
    stems: the stem mixer when the player's bars are stems (None: they are the output channels).
    """

    def __init__(
        self,
        player: BarPlayer,
        sample_rate: int,
        channels: int = 2,
        log: CallbackLog | None = None,
        record: RecordRing | None = None,
        max_block: int = 16384,
        gain: float = 1.0,
        now: Any = time.monotonic,
        stems: StemMixer | None = None,
    ) -> None:
        self.player = player
        self.stems = stems
        self._layers = np.zeros((max_block if stems else 0, player.channels), np.float32)
        self.sample_rate = int(sample_rate)
        self.channels = channels
        self.log = log or CallbackLog()
        self.record = record
        self.target_gain = float(gain)
        self._gain = float(gain)
        self._steps = np.arange(1, max_block + 1, dtype=np.float32)[:, None]  # [max_block, 1]
        self._ramp = np.zeros((max_block, 1), np.float32)
        self._now = now
        self.frame = 0  # first frame of the next block
        self.blocks = 0
        self.underflows = 0
        self.errors = 0
        self.max_frames = 0  # the largest block seen (for the scheduler's lead)
        self.lost_frames = 0  # frames the stream went past without asking us (xruns)
        self.underflow_frames = np.zeros(64, np.int64)  # where the last 64 underflows were
        self._base: float | None = None  # lower envelope of currentTime - frame / rate
        self._watch = 0  # callbacks left to look for a gap after an underflow flag
        self._rewatch = 0  # windows left to wait for the stream time to settle
        self._mid_min = np.inf  # least lateness in the window's middle third (s)
        self._late_min = np.inf  # least lateness in its last third (s)

    def callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """The PortAudio callback (see the module docstring for its contract)."""
        t = self._now()
        try:
            if status.output_underflow:
                self.underflow_frames[self.underflows % len(self.underflow_frames)] = self.frame
                self.underflows += 1
                if self._watch == 0:
                    self._start_watch(REWATCH)
            self._follow_stream_time(time_info.currentTime, frames)
            if self.stems is None:
                self.player.render(outdata, self.frame)
            else:
                layers = self._layers[:frames]
                self.player.render(layers, self.frame)
                self.stems.mix(layers, outdata, self.frame, self.player.downbeat)
            self._apply_gain(outdata, frames)
            np.clip(outdata, -LIMIT, LIMIT, out=outdata)  # the speakers' safety: in place
        except Exception:  # never let an exception stop the stream: play silence, count it
            outdata.fill(0.0)
            self.errors += 1
        self.log.push(self.frame, t, time_info.outputBufferDacTime - time_info.currentTime)
        if self.record is not None:
            self.record.push(outdata)
        self.frame += frames
        self.blocks += 1
        if frames > self.max_frames:
            self.max_frames = frames

    def _follow_stream_time(self, current: float, frames: int) -> None:
        offset = current - self.frame / self.sample_rate
        base = self._base
        if base is None:
            self._base = offset
            return
        if offset < base:
            self._base = base = offset
        elif self._watch == 0:
            self._base = base + CREEP * frames / self.sample_rate
        if self._watch > 0:
            # Lost cycles leave every later callback late by the same amount; a callback that
            # was only delayed (and the ones bunched after it) comes back to the envelope. Under
            # JACK, `currentTime` is `jack_frame_time()`, an estimate: when the server itself
            # stalled (seen with the dummy driver on a starved CPU) it jumps ahead and then slides
            # back by ~0.1 ms per callback for a second, while no frame was lost. So the counter
            # jumps only by a lateness that has settled: the last two thirds of a window agree.
            lateness = offset - base
            third = WATCH // 3
            if self._watch <= third:
                self._late_min = min(self._late_min, lateness)
            elif self._watch <= 2 * third:
                self._mid_min = min(self._mid_min, lateness)
            self._watch -= 1
            if self._watch == 0:
                lost = round(self._late_min * self.sample_rate)
                if lost >= 0.9 * frames:
                    if abs(self._late_min - self._mid_min) <= FLAT:
                        self.frame += lost
                        self.lost_frames += lost
                    elif self._rewatch > 0:
                        self._start_watch(self._rewatch - 1)  # still sliding: look again

    def _start_watch(self, rewatch: int) -> None:
        self._watch, self._rewatch = WATCH, rewatch
        self._mid_min = self._late_min = np.inf

    def _apply_gain(self, out: np.ndarray, n: int) -> None:
        g0, g1 = self._gain, self.target_gain
        if g0 == g1 or n > len(self._steps):
            if g1 != 1.0:
                np.multiply(out, g1, out=out)
        else:
            ramp = self._ramp[:n]
            np.multiply(self._steps[:n], (g1 - g0) / n, out=ramp)
            np.add(ramp, g0, out=ramp)
            np.multiply(out, ramp, out=out)
        self._gain = g1


@dataclass(frozen=True)
class StreamInfo:
    device: str
    host_api: str
    sample_rate: int
    blocksize: int
    latency: float  # PortAudio's reported output latency (s)


_ABANDONED: list[Any] = []  # streams given up on (see `AudioOutput.abandon`), never freed


def output_devices(sd: Any) -> list[tuple[int, Any]]:
    """(index, info) of every output PortAudio knows. PortAudio lists devices once, when it
    starts: with none (a JACK server started after this process), it is restarted once."""
    devices = [(i, d) for i, d in enumerate(sd.query_devices()) if d["max_output_channels"] > 0]
    if not devices:
        sd._terminate()
        sd._initialize()
        devices = [(i, d) for i, d in enumerate(sd.query_devices()) if d["max_output_channels"] > 0]
    return devices


def choose_output_device(sd: Any, name: str | int | None) -> int:
    """Index of the output device whose name contains `name` (default device if None)."""
    if isinstance(name, int):
        return name
    devices = output_devices(sd)
    if not devices:
        raise AudioDeviceError(NO_DEVICE_HELP)
    if name is None:
        default = sd.default.device[1]
        if default is not None and default >= 0:
            return int(default)
        return devices[0][0]
    matches = [i for i, d in devices if name.lower() in d["name"].lower()]
    exact = [i for i in matches if sd.query_devices(i)["name"].lower() == name.lower()]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    listing = "; ".join(d["name"] for _, d in devices)
    if not matches:
        raise AudioDeviceError(f"no output device matches {name!r}. Outputs: {listing}")
    raise AudioDeviceError(f"{name!r} matches several outputs ({listing}); be more specific")


class AudioOutput:
    """A sounddevice `OutputStream` driving `engine.callback`.

    Args:
        engine: the callback's state.
        device: output device name (substring; None = default).
        sample_rate: Hz (None = the device's default; under JACK it must be the server's).
        blocksize: frames per callback (0 = whatever the host prefers, JACK's period).
        latency: "low", "high" or seconds (PortAudio's suggested latency).
    """

    def __init__(
        self,
        engine: OutputEngine,
        device: str | int | None = None,
        sample_rate: int | None = None,
        blocksize: int = 0,
        latency: str | float = "low",
    ) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:  # libportaudio2 missing
            raise AudioDeviceError(f"PortAudio is not available ({exc}); {NO_DEVICE_HELP}") from exc
        self._sd = sd
        index = choose_output_device(sd, device)
        info = sd.query_devices(index)
        rate = int(sample_rate or info["default_samplerate"])
        try:
            self.stream = sd.OutputStream(
                device=index,
                samplerate=rate,
                channels=engine.channels,
                dtype="float32",
                blocksize=blocksize,
                latency=latency,
                callback=engine.callback,
                prime_output_buffers_using_stream_callback=True,
            )
        except sd.PortAudioError as exc:
            hint = " (under JACK the rate must be the server's)" if sample_rate else ""
            raise AudioDeviceError(
                f"cannot open '{info['name']}' at {rate} Hz{hint}: {exc}"
            ) from exc
        host_api = sd.query_hostapis(info["hostapi"])["name"]
        self.info = StreamInfo(info["name"], host_api, rate, blocksize, float(self.stream.latency))
        self.engine = engine

    def start(self) -> None:
        self.stream.start()

    def close(self) -> None:
        try:
            self.stream.stop()
        finally:
            self.stream.close()

    def abandon(self) -> None:
        """Give up a stream whose device went away without touching it (stopping or closing it
        would wait for a callback that never comes), nor at exit (`sounddevice`'s handler).
        The stream is kept for the life of the process: PortAudio was never told to let it go,
        and if its JACK client runs another cycle, the callback (a cffi closure the stream
        object owns) must still be there, not freed memory (a SIGSEGV seen in CI)."""
        import atexit

        _ABANDONED.append(self.stream)

        handler = getattr(self._sd, "_exit_handler", None)
        if handler is not None:
            atexit.unregister(handler)
