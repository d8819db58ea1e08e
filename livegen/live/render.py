"""`livegen render`: consecutive bars to a WAV file, through the daemon's engine (no torch).

    livegen render --prompt "acid line, punchy kick" --bpm 124 --bars 8 --steps 8 --guidance 3 \\
        --seed 1 --variation 0.2 --out loop.wav --sample-rate 48000
    livegen render --audio-prompt my_loop.wav --weight 1 --bars 4 --out like_my_loop.wav
    livegen render --stems --key "A minor" --bars 8 --out x.wav   # + x_drums, x_bass, x_music
    livegen render --stems --key "A minor" --key-guidance 8 --out x.wav   # pushed to the key
    livegen render --stems --key "A minor" --key-lock off --out x.wav   # the bass as made

Exact timing: bar k starts at sample round(k · 240/BPM · rate) of the output (rational
arithmetic, no accumulated rounding), so any number of bars lasts exactly
round(bars · 240/BPM · rate) samples and never drifts. Each 24 kHz bar (a seamless loop) is
fitted to its exact length at the output rate with the periodic band-limited resampler the player
uses (`livegen.dsp.resample.fit_bar`).

Seeds and variation: bar k draws fresh noise from seed + k and moves from bar k−1's noise towards
it by --variation (0: the same bar repeats, 1: a new bar every bar), as the daemon does for song
bar k. Joins: the daemon's `BarPlayer` places the bars and crossfades (4 ms, linear) at each
downbeat, so a render is sample for sample what the daemon plays for the same settings from bar 0
(tests/live/test_render_equals_daemon.py).

Stems (`--stems`: the package's stem generator, which also takes `--key` and `--key-guidance`, the
push to the key that `/livegen/key_guidance` sets, default: the model's own; and `--key-lock`, the
bass's notes pulled onto the key's scale as `/livegen/key_lock` does, default on): each bar's stems
are fitted together and played as the player's layers, mixed by the daemon's own `StemMixer` at
unity gain; the mix goes to `--out` and each stem beside it (x.wav → x_drums.wav, x_bass.wav,
x_music.wav), all mono, sample-aligned, the mix their sum.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from livegen.control.keys import key_option
from livegen.control.osc import option
from livegen.live.audio.player import FADE_SECONDS, BarPlayer
from livegen.live.audio.recorder import stem_path
from livegen.live.audio.stems import StemMixer
from livegen.live.options import key_lock, refuse_key_options
from livegen.runtime.models import add_model_argument, resolve_model
from livegen.units import bar_starts

RATES = (8_000, 192_000)


def play_bars(
    bars: Iterable[np.ndarray], starts: Sequence[int], rate: int, block: int = 4096
) -> Iterator[np.ndarray]:
    """Fitted mono bars through the daemon's own `BarPlayer` (its crossfade at each downbeat), as
    its audio callback pulls them: consecutive pieces of the output, one bar in memory."""
    player = BarPlayer(1, fade=round(FADE_SECONDS * rate), max_block=block)
    out = np.zeros((block, 1), np.float32)
    frame = 0
    for k, bar in enumerate(bars):
        player.queue(starts[k], bar[:, None])
        while frame < starts[k + 1]:
            n = min(block, starts[k + 1] - frame)
            player.render(out[:n], frame)
            yield out[:n, 0].copy()
            frame += n


def play_stem_bars(
    bars: Iterable[np.ndarray],
    starts: Sequence[int],
    rate: int,
    stems: tuple[str, ...],
    block: int = 4096,
) -> Iterator[np.ndarray]:
    """Fitted stem bars [frames, stems] through the daemon's `BarPlayer` and `StemMixer` (unity
    gains), as its callback plays them: pieces [n, 1 + stems] of the mix, then each stem."""
    player = BarPlayer(len(stems), fade=round(FADE_SECONDS * rate), max_block=block)
    mixer = StemMixer(stems, 2 + 2 * len(stems), player.fade, block)
    layers = np.zeros((block, len(stems)), np.float32)
    out = np.zeros((block, 2 + 2 * len(stems)), np.float32)
    frame = 0
    for k, bar in enumerate(bars):
        player.queue(starts[k], bar)
        while frame < starts[k + 1]:
            n = min(block, starts[k + 1] - frame)
            player.render(layers[:n], frame)
            mixer.mix(layers[:n], out[:n], frame, player.downbeat)
            yield out[:n, 0::2].copy()  # mix_L, drums_L, bass_L, music_L
            frame += n


def word_definition(text: str) -> tuple[str, str]:
    """One --word argument, WORD=MEANING, as (word, meaning); argparse prints what is wrong."""
    from livegen.control.words import definable, normalize

    word, sep, meaning = text.partition("=")
    if not sep or not meaning.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write WORD=MEANING, e.g. sidestick=rim clicks")
    why = definable(word.strip())
    if why is not None:
        raise argparse.ArgumentTypeError(why)
    return normalize(word), " ".join(meaning.split())


class _InOrder(argparse.Action):
    """Appends like action="append" and records (dest, value) in `prompt_order`, so that the
    --weight list can follow --prompt and --audio-prompt in the order they were given."""

    def __call__(self, parser: Any, ns: argparse.Namespace, value: Any, flag: Any = None) -> None:
        setattr(ns, self.dest, [*(getattr(ns, self.dest) or []), value])
        ns.prompt_order = [*getattr(ns, "prompt_order", []), (self.dest, value)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument(
        "--prompt",
        action=_InOrder,
        default=[],
        metavar="TEXT",
        help="text prompt (repeat to mix prompts)",
    )
    parser.add_argument(
        "--audio-prompt",
        action=_InOrder,
        default=[],
        metavar="FILE",
        help="a loop whose style to follow, embedded as the daemon's /livegen/audio_prompt does; "
        "mixes with the --prompt texts",
    )
    parser.add_argument(
        "--weight",
        action="append",
        type=float,
        default=[],
        metavar="W",
        help="weight of each --prompt and --audio-prompt, in the order given (default 1 each)",
    )
    parser.add_argument(
        "--word",
        action="append",
        type=word_definition,
        default=[],
        metavar="WORD=MEANING",
        help='read WORD in the prompts as MEANING, e.g. --word "sidestick=rim clicks" (repeat)',
    )
    parser.add_argument("--bpm", type=float, default=124.0, help="tempo (the model's range)")
    parser.add_argument("--bars", type=int, default=4, help="number of bars")
    # the options with an OSC twin take its range (livegen.control.osc.option)
    parser.add_argument("--steps", type=option("/livegen/steps"),
                        help="sampler steps (default: the model's, 8)")  # fmt: skip
    parser.add_argument("--guidance", type=option("/livegen/guidance"), default=3.0,
                        help="classifier-free guidance w")  # fmt: skip
    parser.add_argument("--seed", type=option("/livegen/seed"), default=0,
                        help="noise seed of the first bar")  # fmt: skip
    parser.add_argument(
        "--variation",
        type=option("/livegen/variation"),
        default=0.0,
        help="0..1: how far each bar's noise moves from the previous one",
    )
    parser.add_argument(
        "--stems",
        action="store_true",
        help="the package's stem generator: writes the mix to --out and drums, bass and music "
        "beside it (x.wav: x_drums.wav, x_bass.wav, x_music.wav)",
    )
    parser.add_argument("--key", type=key_option, help='key, e.g. "A minor", "F#m" (--stems)')
    parser.add_argument("--key-guidance", type=option("/livegen/key_guidance"), metavar="W",
                        help="push to the key, 0-20 (--stems; default: the model's own)")  # fmt: skip
    parser.add_argument("--key-lock", type=str.lower, choices=("on", "off"),
                        help="the bass's notes pulled onto the key's scale, or the tempered grid "
                        "without a key (--stems; default on)")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="output .wav (or .flac)")
    parser.add_argument("--sample-rate", type=int, default=24_000, help="output rate (Hz)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all cores)")


def check_args(args: argparse.Namespace) -> None:
    """Raise ValueError with one readable line for arguments no model can satisfy."""
    if args.bars < 1:
        raise ValueError(f"--bars must be at least 1, got {args.bars}")
    if not RATES[0] <= args.sample_rate <= RATES[1]:
        raise ValueError(f"--sample-rate must be {RATES[0]}-{RATES[1]} Hz, got {args.sample_rate}")
    audio = getattr(args, "audio_prompt", [])
    if args.weight and len(args.weight) != len(args.prompt) + len(audio):
        with_audio = f" and {len(audio)} --audio-prompt" if audio else ""
        raise ValueError(
            f"{len(args.weight)} --weight for {len(args.prompt)} --prompt{with_audio}: "
            "give one weight per prompt, or none"
        )
    if len(audio) > 1:
        raise ValueError("one --audio-prompt at most (like the daemon's /livegen/audio_prompt)")
    if any(not p.strip() for p in args.prompt):
        raise ValueError("--prompt must not be empty")
    if args.out.suffix.lower() not in (".wav", ".flac"):
        raise ValueError(f"--out {args.out}: use a .wav or .flac file name")


def weighted_prompts(
    args: argparse.Namespace,
) -> tuple[tuple[tuple[str, float], ...], tuple[str, float] | None]:
    """(text prompts, audio prompt) with their weights: --weight follows the order given."""
    audio = getattr(args, "audio_prompt", [])
    order = getattr(args, "prompt_order", None) or [
        *(("prompt", p) for p in args.prompt),
        *(("audio_prompt", a) for a in audio),
    ]
    weights = args.weight or [1.0] * len(order)
    texts = tuple((v, w) for (kind, v), w in zip(order, weights, strict=True) if kind == "prompt")
    audios = [(v, w) for (kind, v), w in zip(order, weights, strict=True) if kind != "prompt"]
    return texts, (audios[0] if audios else None)


def embed_prompts(args: argparse.Namespace) -> np.ndarray | None:
    """The concept vector of the prompts, through the daemon's own path (ConceptWorker.embed_now:
    the same file reading, checks and mixing as /livegen/prompt and /livegen/audio_prompt)."""
    texts, audio = weighted_prompts(args)
    if not texts and audio is None:
        return None
    from livegen.live.pipeline.concepts import ConceptRequest, ConceptWorker
    from livegen.runtime.concept import load_conditioner

    cond = load_conditioner("livegen-clap", model_dir=args.model, threads=args.threads)
    request = ConceptRequest(0, texts, audio, words=tuple(args.word))
    result = ConceptWorker(cond).embed_now(request)
    if result.error is not None:
        what = f"--audio-prompt {audio[0]}" if audio else "--prompt"
        raise ValueError(f"{what}: {result.error}")
    if result.unknown_words:
        unplaced = ", ".join(result.unknown_words)
        print(f"note: the model cannot place {unplaced} (--word WORD=MEANING)", file=sys.stderr)
    return result.vector


def open_output(path: Path, rate: int) -> Any:
    """The output file, open for writing (24-bit); ValueError with one line if it cannot be."""
    import soundfile as sf

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return sf.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_24")
    except (OSError, RuntimeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise ValueError(f"--out {path}: cannot write there ({exc})") from None


def prompt_key(args: argparse.Namespace) -> None:
    """A key phrase in the prompts ("dub techno in F minor") becomes --key, as on
    /livegen/prompt (`control.osc.key_phrase`: the heaviest prompt naming a key wins, the
    concept sees the rest); an explicit --key wins. A mix generator has no key input: say so."""
    from livegen.control import commands as cmd
    from livegen.control.keys import split_key
    from livegen.control.osc import key_phrase

    texts, _ = weighted_prompts(args)
    out = key_phrase(cmd.SetPrompts(texts)) if texts else []
    found = next((c.key for c in out if isinstance(c, cmd.SetKey)), None)
    if found is None:
        return
    if not getattr(args, "stems", False):
        print("note: the mix generator has no key input: the key phrase is ignored (add "
              "--stems)", file=sys.stderr)  # fmt: skip
    elif getattr(args, "key", None) is None:
        args.key = found
    order = getattr(args, "prompt_order", None) or [("prompt", p) for p in args.prompt]
    weights = args.weight or [1.0] * len(order)
    kept = []
    for (kind, value), w in zip(order, weights, strict=True):
        value = split_key(value)[0] if kind == "prompt" else value
        if value:  # a prompt that was only a key phrase leaves the mix
            kept.append(((kind, value), w))
    args.prompt_order = [kv for kv, _ in kept]
    args.prompt = [v for k, v in args.prompt_order if k == "prompt"]
    args.weight = [w for _, w in kept] if args.weight else args.weight


def run(args: argparse.Namespace) -> int:
    check_args(args)
    prompt_key(args)
    if getattr(args, "key", None) is not None and not getattr(args, "stems", False):
        raise ValueError("--key: the mix generator has no key input; add --stems")
    refuse_key_options(args, bool(getattr(args, "stems", False)))
    # an unwritable --out fails before any work
    paths = [args.out]
    if getattr(args, "stems", False):
        from livegen.control.commands import STEMS

        paths += [stem_path(args.out, stem) for stem in STEMS]
    outs: list[Any] = []
    try:
        for path in paths:
            outs.append(open_output(path, args.sample_rate))
        return _render(args, outs)
    except BaseException:
        for out, path in zip(outs, paths, strict=False):
            out.close()
            path.unlink(missing_ok=True)  # no half-written file under the name asked for
        raise


def _render(args: argparse.Namespace, outs: list[Any]) -> int:
    from livegen.dsp.resample import fit_bar
    from livegen.runtime.generator import BarRequest, Generator
    from livegen.runtime.manifest import load_manifest

    args.model = resolve_model(args.model)  # the default name, when it was not found at parse
    manifest = load_manifest(args.model)
    stems = bool(getattr(args, "stems", False))
    key = getattr(args, "key", None)
    wk = getattr(args, "key_guidance", None)
    lock = key_lock(args) is not False  # on unless asked: the daemon's default
    gen = Generator.load(
        args.model, args.device, args.threads, manifest=manifest, warm=False, stems=stems
    )
    section = manifest.section("stem_generator" if stems else "generator")
    steps = (
        args.steps if args.steps is not None else int(section.get("sampler", {}).get("steps", 8))
    )
    concept = embed_prompts(args)
    # Validate the whole request (bpm range, steps, guidance, variation, seed) before any work.
    first = BarRequest(
        args.bpm, concept, steps, args.guidance, args.seed, args.variation, key, wk, key_lock=lock
    )
    gen.check(first)
    gen.warm_up()
    starts = bar_starts(args.bars, args.bpm, args.sample_rate)
    times: list[float] = []

    def fitted() -> Iterator[np.ndarray]:
        prev, prev_bar = None, None
        for k in range(args.bars):
            req = replace(first, seed=args.seed + k)  # the request checked, bar k's seed
            if prev_bar is not None and args.variation == 0.0:
                bar = prev_bar  # the same noise and conditions make the same bar: skip the work
            else:
                bar = gen.bar(req, prev_noise=prev)
                times.append(bar.gen_ms)
            prev, prev_bar = bar.noise, bar
            layers = bar.audio if bar.stems is None else np.ascontiguousarray(bar.stems.T)
            yield fit_bar(layers, starts[k + 1] - starts[k])  # as the producer fits them

    written = 0
    if stems:
        pieces: Iterator[np.ndarray] = play_stem_bars(fitted(), starts, args.sample_rate, gen.stems)
    else:
        pieces = (p[:, None] for p in play_bars(fitted(), starts, args.sample_rate))
    # bars go to the files as they are made: any number of bars in one bar's memory
    for piece in pieces:
        for i, out in enumerate(outs):
            out.write(np.clip(piece[:, i], -1.0, 1.0))
        written += len(piece)
    for out in outs:
        out.close()
    bar_ms = 240_000 / args.bpm
    med = float(np.median(times))
    if stems:
        played = gen.key_played(key)
        keyed = (
            ""
            if key is None
            else f" in {key.name}"
            + (f" (played as {played.name})" if played != key and played is not None else "")
        )
        if key is not None and gen.spec.guide_key:
            pushed = gen.spec.key_guidance if wk is None else wk
            keyed += f", key guidance {args.guidance if pushed is None else pushed:g}"
        if not lock:
            keyed += ", key lock off"
        names = ", ".join(str(stem_path(args.out, s)) for s in gen.stems)
        print(f"stems{keyed}: {names}")
    print(
        f"wrote {args.out}: {args.bars} bars at {args.bpm:g} BPM, {written} samples "
        f"({written / args.sample_rate:.3f} s) at {args.sample_rate} Hz; {steps} steps, "
        f"w={args.guidance:g}; {med:.0f} ms per bar ({100 * med / bar_ms:.1f} % of the bar, "
        f"{gen.provider})"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m livegen.live.render …`: the command on its own, same messages as the CLI."""
    parser = argparse.ArgumentParser(prog="livegen render", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"livegen: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
