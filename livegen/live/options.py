"""Argument types for `livegen serve` whose bad values are one line, not a traceback."""

from __future__ import annotations

import argparse
from typing import Any


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
