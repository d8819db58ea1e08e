"""The real-time callback and the recorder, fed by hand (no sound card): odd block sizes, gain
ramps without zipper steps, no allocation, lost JACK cycles, an exact recording."""

from __future__ import annotations

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from livegen.live.audio.output import OutputEngine
from livegen.live.audio.player import BarPlayer
from livegen.live.audio.recorder import Recorder, RecordRing

RATE = 48_000


def bar(frames: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (frames, 2)).astype(np.float32)


def engine_with_bars(record: RecordRing | None = None) -> OutputEngine:
    player = BarPlayer(2, fade=192, max_block=16384)
    player.queue(100, bar(5000, 1))
    player.queue(5100, bar(4000, 2))
    return OutputEngine(player, RATE, record=record, now=lambda: 0.0)


def run(engine: OutputEngine, sizes, underflow_at=(), skip: dict[int, int] | None = None):
    out = []
    t = 0.0
    for i, n in enumerate(sizes):
        block = np.zeros((n, 2), np.float32)
        t += (skip or {}).get(i, 0) / RATE
        info = SimpleNamespace(currentTime=t, outputBufferDacTime=t + 0.01)
        engine.callback(block, n, info, SimpleNamespace(output_underflow=i in underflow_at))
        out.append(block)
        t += n / RATE
    return np.concatenate(out)


@pytest.mark.parametrize("size", [1, 63, 64, 65, 8193])
def test_any_block_size_gives_the_same_output(size):
    whole = run(engine_with_bars(), [12_000])
    sizes = [size] * (12_000 // size) + ([12_000 % size] if 12_000 % size else [])
    assert np.array_equal(run(engine_with_bars(), sizes), whole)


def test_the_gain_ramps_over_a_block_without_steps():
    player = BarPlayer(2, fade=192, max_block=4096)
    player.queue(0, np.ones((48_000, 2), np.float32))
    engine = OutputEngine(player, RATE, gain=1.0, now=lambda: 0.0)
    first = run(engine, [256])
    engine.target_gain = 0.25
    ramp = run(engine, [256])
    after = run(engine, [256])
    assert np.all(first == 1.0) and np.all(after == 0.25)
    assert ramp[-1, 0] == pytest.approx(0.25) and ramp[0, 0] == pytest.approx(1.0 - 0.75 / 256)
    steps = np.abs(np.diff(np.concatenate([first, ramp, after])[:, 0]))
    assert steps.max() <= 0.75 / 256 + 1e-6  # no zipper: at most one ramp step per sample


def test_the_callback_allocates_nothing_that_grows_with_the_block():
    engine = engine_with_bars(RecordRing(RATE))
    engine.target_gain = 0.5
    block = np.zeros((4096, 2), np.float32)
    info = SimpleNamespace(currentTime=0.0, outputBufferDacTime=0.01)
    flags = SimpleNamespace(output_underflow=False)
    engine.callback(block, 4096, info, flags)  # warm
    tracemalloc.start()
    for _ in range(20):
        engine.target_gain = 1.0 - engine.target_gain
        engine.callback(block, 4096, info, flags)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4096 * 2 * 4 / 4  # far below one block of audio: scalars only


def test_lost_cycles_move_the_frame_counter_on():
    engine = engine_with_bars()
    run(engine, [256] * 40, underflow_at={6}, skip={5: 512})
    assert engine.lost_frames == 512 and engine.frame == 40 * 256 + 512
    assert engine.underflows == 1
    # a late callback without an underflow flag is jitter, not a lost cycle
    engine2 = engine_with_bars()
    run(engine2, [256] * 40, skip={5: 100})
    assert engine2.lost_frames == 0


def test_a_delayed_callback_that_catches_up_is_not_a_lost_cycle():
    """Four periods late, then four callbacks back to back: nothing was lost."""
    engine = engine_with_bars()
    t = 0.0
    for i in range(40):
        late = 4 * 256 / RATE if i == 10 else 0.0
        info = SimpleNamespace(currentTime=t + late, outputBufferDacTime=t + late + 0.01)
        block = np.zeros((256, 2), np.float32)
        engine.callback(block, 256, info, SimpleNamespace(output_underflow=i == 10))
        t += 256 / RATE
    assert engine.underflows == 1 and engine.lost_frames == 0 and engine.frame == 40 * 256


def feed(engine: OutputEngine, lateness_ms, flag_at: int) -> None:
    """Callbacks of 256 frames whose stream time runs `lateness_ms[i]` ahead of the frames."""
    for i, late in enumerate(lateness_ms):
        t = engine.frame / RATE + late / 1e3
        info = SimpleNamespace(currentTime=t, outputBufferDacTime=t + 0.01)
        block = np.zeros((256, 2), np.float32)
        engine.callback(block, 256, info, SimpleNamespace(output_underflow=i == flag_at))


def test_the_counter_jumps_by_the_lateness_the_stream_time_settles_at():
    """Recorded on JACK (dummy driver) with the GIL held 100 ms: the first flagged callback is
    46.8 ms ahead, the next 84.2, then every one 80.0; the recording showed 80 ms unplayed.
    (Taking the least lateness of the whole window would have skipped only 46.8 ms.)"""
    engine = engine_with_bars()
    feed(engine, [0.0] * 10 + [46.79, 84.17] + [80.04] * 60, flag_at=10)
    assert engine.lost_frames == round(80.04e-3 * RATE)


def test_a_stream_time_that_slides_back_moves_nothing():
    """Recorded on JACK (dummy driver) with the server stopped 30 ms: the stream time jumps
    ~20 ms ahead and slides back by ~0.115 ms per callback; the recording showed nothing lost.
    The old rule (least lateness of 16 callbacks) skipped ~18 ms here, and every later bar was
    that much early."""
    engine = engine_with_bars()
    slide = [max(0.0, 20.4 - 0.115 * k) for k in range(260)]
    feed(engine, [0.0] * 10 + slide + [0.0] * 40, flag_at=10)
    assert engine.underflows == 1 and engine.lost_frames == 0
    assert engine.frame == (10 + 260 + 40) * 256
    # a slide that stops short of the old level: what is left was lost, once it has settled
    engine = engine_with_bars()
    partial = [max(10.0, 20.4 - 0.115 * k) for k in range(200)] + [10.0] * 100
    feed(engine, [0.0] * 10 + partial, flag_at=10)
    assert engine.lost_frames == round(10e-3 * RATE)


def test_an_exception_in_rendering_plays_silence_and_is_counted():
    engine = engine_with_bars()
    engine.player = None  # type: ignore[assignment]
    out = run(engine, [64])
    assert engine.errors == 1 and not out.any() and engine.frame == 64


def test_the_recording_is_exactly_what_was_played(tmp_path):
    recorder = Recorder(tmp_path / "take.wav", RATE, ring_seconds=0.5, period=0.01)
    recorder.start()
    engine = engine_with_bars(recorder.ring)
    played = run(engine, [333] * 60)
    recorder.stop()
    audio, rate = sf.read(tmp_path / "take.wav", dtype="float32")
    assert rate == RATE and np.array_equal(audio, played) and recorder.dropped == 0


def test_a_full_ring_drops_blocks_instead_of_waiting():
    ring = RecordRing(1000)
    ring.push(np.ones((600, 2), np.float32))
    ring.push(np.ones((600, 2), np.float32))  # does not fit: dropped, counted
    assert ring.dropped == 600 and len(ring.pull()) == 600
    ring.push(np.full((900, 2), 2.0, np.float32))  # wraps around the end
    got = ring.pull()
    assert got.shape == (900, 2) and np.all(got == 2.0)


def test_flac_is_24_bit_and_other_names_are_refused(tmp_path):
    recorder = Recorder(tmp_path / "take.flac", RATE)
    recorder.ring.push(np.full((100, 2), 0.5, np.float32))
    recorder.stop()
    assert sf.info(str(tmp_path / "take.flac")).subtype == "PCM_24"
    with pytest.raises(ValueError, match=r"wav or \.flac"):
        Recorder(tmp_path / "take.mp3", RATE)
