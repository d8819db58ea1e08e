"""The manifest of an imported corpus: which split a file's loops go to, their caption, and
reading `manifest.jsonl` back (next id, what is already imported) after a crash."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from livegen.corpus.tempo_tags import BPM_RE


def split_of(name: str) -> str:
    # Hash the file name, not the path: moving the folder keeps every loop in its split.
    bucket = int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big") % 100
    return "train" if bucket < 90 else "valid" if bucket < 95 else "test"


def caption(name: str, bpm: float) -> str:
    stem = BPM_RE.sub(" ", Path(name).stem)
    # Short bare numbers are take or index numbers ("loop_02"), not descriptions.
    words = [w for w in re.split(r"[\W_]+", stem.lower()) if w and not re.fullmatch(r"\d{1,2}", w)]
    tempo = f"{round(bpm, 1):g} BPM"
    return f"{' '.join(words)}, {tempo}" if words else tempo


def read_manifest(manifest: Path) -> tuple[int, dict[str, tuple[int | None, int | None]]]:
    """(next id number, source -> (size, mtime_ns)) of an existing manifest.

    A crash can leave the last line cut short, or a file's loops only partly listed (each record
    says how many its file gave, `source_loops`): those lines are dropped from the manifest, so
    the file counts as not imported and is imported again.
    """
    if not manifest.exists():
        return 0, {}
    text = manifest.read_text()
    records = [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in records:
        key = (rec.get("source"), rec.get("source_size"), rec.get("source_mtime_ns"))
        groups.setdefault(key, []).append(rec)
    kept = [
        rec
        for rec in records
        if len(groups[(rec.get("source"), rec.get("source_size"), rec.get("source_mtime_ns"))])
        >= rec.get("source_loops", 0)
    ]
    if len(kept) != len(records) or (text and not text.endswith("\n")):
        manifest.write_text("".join(json.dumps(rec) + "\n" for rec in kept))
    next_id, sources = 0, {}
    for rec in kept:
        if m := re.fullmatch(r"import_(\d+)", str(rec.get("id", ""))):
            next_id = max(next_id, int(m.group(1)) + 1)
        if "source" in rec:
            sources[rec["source"]] = (rec.get("source_size"), rec.get("source_mtime_ns"))
    return next_id, sources
