"""patches/livegen.pd against a running daemon, headless: Pd sends, the daemon applies, Pd shows.

The daemon runs in-process (`serve.start`, `--source loops --clock internal`, on the JACK dummy
server of tests/live/conftest.py) with `--reply` to the port the patch listens on. Pd opens the
real patch plus tests/patches/drive_livegen.pd, which prints what the patch's reply display
received (`[s livegen-beat]`, `[s livegen-bpm]`); the controls are driven through their receive
names with `pd -send`, exactly as a click on them would send.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from livegen.control.keys import Key
from livegen.live import serve
from livegen.live.pipeline.source import LoopSource

pytestmark = pytest.mark.skipif(
    shutil.which("pd") is None or shutil.which("jackd") is None,
    reason="Pure Data (pd) or jackd is not installed",
)
ROOT = Path(__file__).parents[2]


def _daemon(free_port_fn, conditioner=None, source=None, extra=()):
    osc, reply = free_port_fn(), free_port_fn()
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    args = parser.parse_args(["--source", "loops", "--quiet", "--clock", "internal", "--bpm", "124",
                              "--osc-port", str(osc), "--reply", f"127.0.0.1:{reply}",
                              "--config", str(ROOT / "docs" / "example.toml"), *extra])  # fmt: skip
    server = serve.start(args, source=source or LoopSource(), conditioner=conditioner)
    try:
        yield server, osc, reply
    finally:
        server.stop()


@pytest.fixture
def daemon(jack_server, free_port_fn):
    yield from _daemon(free_port_fn)


@pytest.fixture
def stem_daemon(jack_server, free_port_fn):
    """The same on a stem source that takes a key: the corpus loops' own drums, bass and music
    (the key reaches the source; the loops do not follow it)."""
    source = LoopSource(stems=True)
    source.keys = True  # type: ignore[misc]
    yield from _daemon(
        free_port_fn, source=source, extra=("--key-guidance", "5", "--key-lock", "off")
    )


@pytest.fixture
def daemon_with_encoder(jack_server, free_port_fn):
    """The same, with the shipped concept encoder embedding the prompts."""
    from livegen.runtime.concept import load_conditioner

    model = ROOT / "models" / "default"
    if not (model / "manifest.json").is_file():
        pytest.skip("no shipped model package")
    yield from _daemon(free_port_fn, load_conditioner("livegen-clap", model_dir=model))


class Pd:
    """A headless Pd; its console (Pd prints to stderr) collected line by line."""

    def __init__(self, *sends: str) -> None:
        command = ["pd", "-nogui", "-noaudio", "-nomidi", "-nrt"]
        for message in sends:
            command += ["-send", message]
        command += ["-open", str(ROOT / "patches" / "livegen.pd"),
                    "-open", str(Path(__file__).with_name("drive_livegen.pd"))]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"Pd printed no {prefix!r} within {timeout} s: {self.lines}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextlib.contextmanager
def running_pd(*sends: str) -> Iterator[Pd]:
    """A headless Pd for one test; when it is done, Pd must have printed no error."""
    pd = Pd(*sends)
    try:
        yield pd
    finally:
        pd.close()
    # (the patch first listens on its default port 9001, which may be taken on a shared machine)
    errors = [line for line in pd.lines if "error" in line and "listen failed" not in line]
    assert not errors, pd.lines


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_pd_patch_drives_the_daemon_and_shows_its_beat(daemon):
    server, osc, reply = daemon
    controller = server.daemon.controller
    with running_pd(
        f"livegen-ports {osc} {reply}",
        "lg-guidance 4.5",
        "lg-steps 6",
        "lg-prompt-words list dark acid techno",
    ) as pd:
        assert wait_until(lambda: controller.session.guidance == 4.5, 5.0), controller.session
        assert wait_until(lambda: controller.session.steps == 6, 2.0)
        assert wait_until(lambda: controller.session.prompts == (("dark acid techno", 1.0),), 2.0)
        beat = pd.wait_for("BEAT:", timeout=8.0)  # subscribed on load: /livegen/beat bar beat
        bar, n = (float(x) for x in beat.split(":")[1].split())
        assert bar >= 0 and 0 <= n < 4
        bpm = pd.wait_for("BPM:", timeout=3.0)  # [metro 1000] polls /livegen/status
        assert float(bpm.split(":")[1]) == pytest.approx(124.0)
        pd.wait_for("GEN_MS:", timeout=1.0)


def test_the_pd_patch_recalls_scenes_and_morphs(daemon):
    """patches/README.md steps 6 and 7: a scene number, then a morph (words, weight, bars, bang)."""
    server, osc, reply = daemon
    controller = server.daemon.controller
    with running_pd(
        f"livegen-ports {osc} {reply}",
        "lg-scene 1",
        "lg-morph-words list dub chords",
        "lg-morph-weight 1",
        "lg-morph-bars 4",
        "lg-morph bang",
    ):
        assert wait_until(lambda: controller.session.scene == 1, 5.0), controller.session
        assert wait_until(lambda: controller.session.morph is not None, 2.0)
        morph = controller.session.morph
        assert morph is not None and morph.bars == 4
        assert dict(morph.target) == {"dub chords": 1.0}
        assert morph.prompts_at(morph.start + 3) == (("dub chords", 1.0),)


def test_the_pd_patch_prints_the_words_the_model_cannot_place(daemon_with_encoder):
    server, osc, reply = daemon_with_encoder
    controller = server.daemon.controller
    with running_pd(
        f"livegen-ports {osc} {reply}", "lg-prompt-words list rolling bass sidestick groove"
    ) as pd:
        want = ("rolling bass sidestick groove", 1.0)
        assert wait_until(lambda: controller.settings.prompts == (want,), 8.0), controller.settings
        assert (
            pd.wait_for("livegen: cannot place", timeout=5.0) == "livegen: cannot place sidestick"
        )


def test_the_pd_patch_gives_a_word_a_meaning(daemon_with_encoder):
    """patches/README.md step 8: typed "sidestick rim clicks" in the words box defines the word."""
    server, osc, reply = daemon_with_encoder
    controller = server.daemon.controller
    cond = server.daemon.concepts.conditioner  # Pd not started yet: nothing else embeds now
    meant = cond.embed_text("rolling bass rim clicks groove").vector
    unplaced = cond.embed_text("rolling bass sidestick groove").vector
    assert float(meant @ unplaced) < 0.99  # the definition changes what is played

    def defined() -> bool:
        concept = controller.settings.concept
        return concept is not None and float(concept @ meant) > 0.9999

    with running_pd(
        f"livegen-ports {osc} {reply}",
        "lg-prompt-words list rolling bass sidestick groove",
        "lg-word list sidestick rim clicks",
    ):
        assert wait_until(defined, 8.0), controller.session.words
        assert ("sidestick", "rim clicks") in controller.session.words
        assert controller.settings.prompts == (("rolling bass sidestick groove", 1.0),)
        assert controller.unknown_words == ()


def test_the_pd_patch_mutes_a_stem_moves_a_fader_and_sets_the_key(stem_daemon):
    """patches/README.md, stems and key: a mute toggle, a fader, a key button; the patch shows
    the key the daemon's status reports."""
    server, osc, reply = stem_daemon
    controller = server.daemon.controller
    assert controller.session.model_stems == ("drums", "bass", "music")
    assert controller.session.key_guidance == 5.0  # --key-guidance wins over the config's 3
    assert controller.session.key_lock is False  # --key-lock off
    with running_pd(
        f"livegen-ports {osc} {reply}",
        "lg-drums-mute 1",
        "lg-bass-gain 0.5",
        "lg-key symbol Fm",
        "lg-key-guidance 8",
        "lg-key-lock 1",
    ) as pd:
        assert wait_until(lambda: controller.session.stem_mutes == (True, False, False), 5.0), (
            controller.session
        )
        assert wait_until(lambda: controller.session.stem_gains == (1.0, 0.5, 1.0), 2.0)
        assert wait_until(lambda: controller.session.key == Key(5, "minor"), 2.0)
        # the status poll (once a second) shows it; Pd prints the symbol's space escaped
        pd.wait_for("KEY: symbol F\\ minor", timeout=3.0)
        assert controller.settings.key == Key(5, "minor")  # the next bars are asked for in it
        # --key-guidance 5 (over the config's 3) was the start; the patch's number box sets 8
        assert wait_until(lambda: controller.settings.key_guidance == 8.0, 2.0), controller.session
        # the key lock toggle turns it back on for the next bars
        assert wait_until(lambda: controller.settings.key_lock is True, 2.0), controller.session
