"""The `livegen` command: parses arguments and hands over to the room that does the work.

Only the module of the command being run is imported (not even the others' arguments), so
`livegen --help` is instant and `livegen serve` starts without loading the training rooms.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from livegen import __version__

# (command path, module with add_arguments/run, one-line help)
COMMANDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("corpus", "make"), "livegen.corpus.make", "synthesise the one-bar techno loop corpus"),
    (
        ("corpus", "import"),
        "livegen.corpus.importer",
        "import your own loops (WAV/FLAC/OGG/MP3...)",
    ),
    (("corpus", "preview"), "livegen.corpus.preview", "listening reel + spectrogram contact sheet"),
    (
        ("train", "codec"),
        "livegen.training.codec.train",
        "train the EnCodec-style codec on the corpus",
    ),
    (
        ("train", "concept"),
        "livegen.training.concept.train",
        "train the livegen-clap concept encoder",
    ),
    (
        ("train", "unet"),
        "livegen.training.unet.train",
        "train the generator's UNet (IADB over circular bar latents)",
    ),
    (
        ("train", "decoder"),
        "livegen.training.codec.decoder_train",
        "fine-tune a package's codec decoder on the corpus (encoder frozen, MS-STFT critic)",
    ),
    (
        ("train", "all"),
        "livegen.training.all.train",
        "fine-tune the default on your imported loops: folder to model package",
    ),
    (("export", "codec"), "livegen.training.codec.export", "export the codec to ONNX + manifest"),
    (
        ("export", "decoder"),
        "livegen.training.codec.decoder_export",
        "a `train decoder` run's decoder into a copy of its base package",
    ),
    (
        ("export", "concept"),
        "livegen.training.concept.export",
        "export the concept encoder (ONNX + manifest)",
    ),
    (
        ("export", "unet"),
        "livegen.training.unet.export",
        "export the generator's UNet to ONNX + manifest",
    ),
    (("render",), "livegen.live.render", "render bars to a WAV through the live engine"),
    (("eval", "codec"), "livegen.eval.codec", "codec quality on the held-out split"),
    (
        ("eval", "concept"),
        "livegen.eval.concept",
        "retrieval / zero-shot attributes / paraphrases",
    ),
    (
        ("eval", "generator"),
        "livegen.eval.generator",
        "the generator (UNet + sampler + codec): tempo, prompts, steps",
    ),
    (
        ("eval", "key"),
        "livegen.eval.key_corpus",
        "key estimator's ceiling on a corpus: stems vs mix, per scale",
    ),
    (
        ("eval", "stems"),
        "livegen.eval.stems",
        "the stem generator: key found over 24 keys, stem purity, beside the corpus",
    ),
    (("bench", "corpus"), "livegen.corpus.bench", "corpus synthesis throughput"),
    (("bench", "codec"), "livegen.eval.bench_codec", "codec decode time: ONNX vs torch eager"),
    (("bench", "concept"), "livegen.eval.bench_concept", "prompt embedding latency"),
    (
        ("bench", "generator"),
        "livegen.eval.bench_generator",
        "the generator's bar time: onnxruntime vs torch eager",
    ),
    (
        ("models",),
        "livegen.runtime.models",
        "the model packages --model NAME finds, and their origin",
    ),
    (("serve",), "livegen.live.serve", "the real-time loop daemon: MIDI clock, OSC, audio out"),
    (
        ("demo",),
        "livegen.demo",
        "synthesise a few corpus loops and play them (no models needed)",
    ),
)
GROUP_HELP = {
    "corpus": "make, import and preview training loops",
    "bench": "speed benchmarks that print tables",
    "train": "train the models (torch; CPU or --device cuda; torchrun for DDP)",
    "export": "export trained models to ONNX into a model folder",
    "eval": "quality measures that print tables",
}


def selected_command(argv: Sequence[str]) -> tuple[str, ...] | None:
    """The command path that `argv` names, if any (only its module gets imported)."""
    words = tuple(argv[:2])
    for path, _, _ in COMMANDS:
        if words[: len(path)] == path:
            return path
    return None


def build_parser(
    selected: tuple[str, ...] | None = None, load_all: bool = False
) -> argparse.ArgumentParser:
    """The whole command tree; only the selected command's module is imported (all if load_all)."""
    parser = argparse.ArgumentParser(
        prog="livegen",
        description="livegen: real-time generative techno loops that follow your clock.",
    )
    parser.add_argument("--version", action="version", version=f"livegen {__version__}")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for path, module, help_text in COMMANDS:
        if len(path) == 1:
            sub = top.add_parser(path[0], help=help_text, description=help_text)
        else:
            if path[0] not in groups:
                group = top.add_parser(path[0], help=GROUP_HELP[path[0]])
                groups[path[0]] = group.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
                group.set_defaults(_group=group)
            sub = groups[path[0]].add_parser(path[1], help=help_text, description=help_text)
        sub.set_defaults(_module=module)
        if load_all or path == selected:
            _add_arguments(sub, module)
    return parser


def _add_arguments(sub: argparse.ArgumentParser, module: str) -> None:
    # Argument definitions live beside the code; their modules import torch only inside `run`.
    importlib.import_module(module).add_arguments(sub)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(selected_command(argv))
    args = parser.parse_args(argv)
    module = getattr(args, "_module", None)
    if module is None:
        group = getattr(args, "_group", None)
        (group or parser).print_help()
        return 2
    try:
        return int(importlib.import_module(module).run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError, OSError) as exc:
        # Bad input gets one readable line, not a stack trace.
        print(f"livegen: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
