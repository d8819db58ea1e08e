"""`livegen serve`'s options, and argument types whose bad values are one line, not a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from livegen.clock.options import add_arguments as add_clock_arguments
from livegen.control.keys import Key, key_option, split_key
from livegen.control.osc import option
from livegen.live.desk import midicontrol
from livegen.live.desk.oscserver import parse_host_port
from livegen.runtime.concept.conditioner import add_concept_arguments
from livegen.runtime.models import add_model_argument


def whole(lo: int, hi: int) -> Any:
    """An argparse `type`: a whole number in [lo, hi] (a bad one is one line, not a traceback)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside {lo}-{hi}")
        return value

    return convert


def latency_option(text: str) -> str | float:
    if text in ("low", "high"):
        return text
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"latency: low, high or seconds, not {text!r}") from exc
    if not 0 <= value <= 2:
        raise argparse.ArgumentTypeError(f"latency: 0 to 2 seconds, not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument(
        "--source",
        choices=("model", "loops"),
        default="model",
        help="model: the generator in --model (default); loops: corpus loops stretched to the "
        "tempo, no model (demos, tests)",
    )
    parser.add_argument(
        "--stems",
        action="store_true",
        help="the package's stem generator: drums, bass and music on their own output channels "
        "(8: mix, drums, bass, music, L/R each; JACK ports named after them), /livegen/stem, "
        "/mute, /drop and /key; --record writes one file per stem beside the mix",
    )
    parser.add_argument("--compute", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the model runs (default auto)")  # fmt: skip
    parser.add_argument("--threads", type=whole(1, 256), default=None,
                        help="model threads (default: one less than the CPU cores, at least 1)")  # fmt: skip
    # The session options default to None: then --config's [session], then the built-in default.
    s = parser.add_argument_group("session")
    s.add_argument("--prompt", help="first text prompt (default minimal techno); a key phrase "
                   "in it (\"... in F minor\") sets the key, as on /livegen/prompt")  # fmt: skip
    s.add_argument("--key", type=key_option, help='first key with --stems, e.g. "F minor", "A#m"')
    s.add_argument("--key-guidance", type=option("/livegen/key_guidance"), metavar="W",
                   help="push to the key with --stems (0-20, default: the model's own)")  # fmt: skip
    s.add_argument("--key-lock", type=str.lower, choices=("on", "off"),
                   help="with --stems, the bass's notes pulled onto the key's scale, or the "
                   "tempered grid without a key (default on)")  # fmt: skip
    # Every option with an OSC twin takes that address's kind and range (`option`).
    s.add_argument(
        "--steps", type=option("/livegen/steps"), help="deblending steps per bar (1-64, default 8)"
    )
    s.add_argument(
        "--guidance", type=option("/livegen/guidance"), help="guidance scale (0-20, default 3)"
    )
    s.add_argument("--seed", type=option("/livegen/seed"), help="noise seed (default 0)")
    s.add_argument(
        "--variation", type=option("/livegen/variation"), help="noise variation 0..1 (default 0)"
    )
    a = parser.add_argument_group("audio")
    a.add_argument("--device", help="output device whose name contains this (default: default)")
    a.add_argument("--sample-rate", type=whole(8000, 768000), default=None,
                   help="Hz (default: the device's)")  # fmt: skip
    a.add_argument("--blocksize", type=whole(0, 16384), default=0,
                   help="frames per callback (0: host's)")  # fmt: skip
    a.add_argument("--latency", type=latency_option, default="low", help="low, high or seconds")
    a.add_argument("--output-offset-ms", type=float, default=0.0, metavar="MS",
                   help="output latency PortAudio does not report (DAC, speakers), added")  # fmt: skip
    a.add_argument(
        "--gain", type=option("/livegen/gain"), help="output gain (linear 0-4, default 1)"
    )
    a.add_argument("--record", type=Path, metavar="FILE", help="record what plays (.wav/.flac)")
    o = parser.add_argument_group("OSC")
    o.add_argument("--osc-host", default="127.0.0.1", help="listen address (0.0.0.0: network)")
    o.add_argument("--osc-port", type=whole(0, 65535), default=9000, help="UDP port (default 9000)")
    o.add_argument("--osc-allow", action="append", metavar="ADDR",
                   help="accept OSC only from these sender addresses (repeat or comma-separate)")  # fmt: skip
    o.add_argument("--reply", type=parse_host_port, metavar="HOST:PORT",
                   help="send all replies there instead of to the sender")  # fmt: skip
    o.add_argument("--oscquery-port", type=whole(0, 65535), metavar="PORT",
                   help="OSCQuery discovery (HTTP/JSON) on this TCP port, on --osc-host "
                   "(default: --osc-port + 1)")  # fmt: skip
    o.add_argument("--no-oscquery", action="store_true", help="do not serve OSCQuery")
    parser.add_argument("--quiet", action="store_true", help="no status line")
    parser.add_argument("--resume", type=Path, help=argparse.SUPPRESS)  # server/resume.py
    add_clock_arguments(parser)
    add_concept_arguments(parser)
    midicontrol.add_arguments(parser)


def first_prompt_and_key(args: argparse.Namespace, stems: bool) -> tuple[str | None, Key | None]:
    """--prompt without its key phrase, and the key (--key wins over the phrase); a key,
    --key-guidance and --key-lock need a stem generator (ValueError otherwise)."""
    prompt, key = args.prompt, getattr(args, "key", None)
    if prompt is not None:
        rest, found = split_key(prompt)
        if found is not None:
            prompt, key = rest or None, key or found
    if key is not None and not stems:
        raise ValueError(f"key {key.name}: the mix generator has no key input; add --stems")
    refuse_key_options(args, stems)
    return prompt, key


def refuse_key_options(args: argparse.Namespace, stems: bool) -> None:
    """--key-guidance and --key-lock need a stem generator (ValueError otherwise); serve and
    render both ask."""
    for name in ("key_guidance", "key_lock"):
        if getattr(args, name, None) is not None and not stems:
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag}: the mix generator has no key input; add --stems")


def key_lock(args: argparse.Namespace) -> bool | None:
    """--key-lock as the session's `key_lock` (None: not given, the config's or on)."""
    given = getattr(args, "key_lock", None)
    return None if given is None else given == "on"
