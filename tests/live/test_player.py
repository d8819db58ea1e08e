"""The bar player over odd block sizes, exact bar placement, repeats when late, no allocation."""

import tracemalloc

import numpy as np
import pytest

from livegen.live.audio.player import BarPlayer

FADE = 32


def constant_bar(value, frames):
    return np.full((frames, 2), value, dtype=np.float32)


def run(player, total, block, start=0):
    out = np.zeros((total, 2), dtype=np.float32)
    for i in range(0, total, block):
        player.render(out[i : i + block], start + i)
    return out


def schedule(player, starts, frames):
    for k, s in enumerate(starts):
        player.queue(s, constant_bar(k + 1.0, frames))


@pytest.mark.parametrize("block", [1, 63, 64, 65, 8193])
def test_chunked_output_equals_whole_buffer(block):
    rng = np.random.default_rng(0)
    bars = [rng.standard_normal((1000 + 37 * k, 2)).astype(np.float32) for k in range(4)]
    starts = [0, 1000, 2037, 3111]  # the third starts early: a tempo change mid-stream

    def fresh():
        p = BarPlayer(fade=FADE, max_block=8193)
        for s, b in zip(starts, bars, strict=True):
            p.queue(s, b)
        return p

    whole = run(fresh(), 9000, 9000)
    chunked = run(fresh(), 9000, block)
    np.testing.assert_array_equal(chunked, whole)


def test_bars_start_exactly_where_queued():
    p = BarPlayer(fade=FADE)
    starts = [100, 1100, 2100]
    schedule(p, starts, 1000)
    out = run(p, 3000, 256)
    assert np.all(out[:100] == 0.0)  # nothing before the first bar
    for k, s in enumerate(starts):
        # after the crossfade, exactly the new bar; its first sample is at `s`
        assert np.all(out[s + FADE : s + 1000, 0] == k + 1.0)
        if k:
            assert out[s - 1, 0] == k and out[s, 0] != k  # the fade begins on the sample
    # linear crossfade from 1 to 2: monotonic, between the two levels
    fade = out[1100 : 1100 + FADE, 0]
    assert np.all(np.diff(fade) > 0) and fade[0] > 1.0 and fade[-1] < 2.0


def test_late_bar_repeats_the_current_one_and_is_counted():
    p = BarPlayer(fade=FADE)
    ramp = np.repeat(np.linspace(0, 1, 500, dtype=np.float32)[:, None], 2, axis=1)
    p.queue(0, ramp)
    out = run(p, 1500, 100)
    np.testing.assert_array_equal(out[500:1000], ramp)  # repeated, grid kept
    np.testing.assert_array_equal(out[1000:1500], ramp)
    assert p.late_bars == 2
    # the late bar arrives mid-bar: it joins the grid where it should already be
    p.queue(1500, constant_bar(7.0, 500))
    p.queue(2000, constant_bar(8.0, 500))
    run(p, 1000, 100, start=1500)
    assert p.late_bars == 2


def test_redo_replaces_a_queued_bar():
    p = BarPlayer(fade=FADE)
    p.queue(0, constant_bar(1.0, 500))
    p.queue(500, constant_bar(2.0, 500))
    p.queue(500, constant_bar(3.0, 500))  # a control change arrived: the bar was redone
    out = run(p, 1000, 128)
    assert np.all(out[500 + FADE :, 0] == 3.0)


def test_seamless_loop_repeats_without_a_click():
    frames = 4800
    t = np.arange(frames) / frames
    sine = np.sin(2 * np.pi * 10 * t).astype(np.float32)  # whole cycles: seamless
    p = BarPlayer(fade=FADE)
    p.queue(0, np.stack([sine, sine], axis=1))
    p.queue(frames, np.stack([sine, sine], axis=1))  # the same bar again: crossfaded into itself
    out = run(p, 3 * frames, 97)[:, 0]
    assert np.abs(np.diff(out)).max() <= np.abs(np.diff(sine)).max() * 1.01


def test_render_allocates_no_arrays():
    p = BarPlayer(fade=FADE)
    rng = np.random.default_rng(1)
    for k in range(40):
        p.queue(k * 1000, rng.standard_normal((1000, 2)).astype(np.float32))
    out = np.zeros((256, 2), dtype=np.float32)
    p.render(out, 0)  # warm up
    tracemalloc.start()
    for i in range(1, 150):
        p.render(out, i * 256)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2048, peak  # one 256x2 float32 temporary would be 2048 bytes


def test_bad_bar_shape_is_refused():
    p = BarPlayer(channels=2)
    with pytest.raises(ValueError, match="frames>0, 2"):
        p.queue(0, np.zeros((100, 1), dtype=np.float32))


def test_downbeat_is_where_a_bar_began_in_the_block_new_or_starting_over():
    player = BarPlayer(1, fade=8, max_block=256)
    out = np.zeros((256, 1), np.float32)
    player.queue(100, np.ones((1000, 1), np.float32))
    seen = []
    for frame in range(0, 2560, 256):
        if frame == 1536:
            player.queue(2100, np.full((1000, 1), 2.0, np.float32))
        player.render(out, frame)
        seen.append(player.downbeat)
    # the first bar at 100, its repeat (nothing new came) at 1100, the new bar at 2100
    assert seen == [100, -1, -1, -1, 1100, -1, -1, -1, 2100, -1]
    assert player.late_bars == 1
