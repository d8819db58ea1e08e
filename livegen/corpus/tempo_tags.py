"""Tempos written down by someone: in a file's metadata (ACID, Vorbis comments, ID3) or its name.

Pure parsing of bytes and strings (no audio decoding); `livegen.corpus.tempo` weighs these cues
against the audio.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import BinaryIO

import soundfile as sf

BPM_RANGE = (60.0, 200.0)  # plausible for a tempo someone wrote down

# "124bpm", "124 BPM", "124-bpm", "128.5bpm", "bpm=124", "BPM: 124"; other numbers are ignored.
_NUM = r"(\d{2,3}(?:\.\d+)?)"
BPM_RE = re.compile(rf"(?<!\d){_NUM}\s*[-_ ]?\s*bpm|bpm\s*[-_:= ]?\s*{_NUM}(?!\d)", re.I)
# A bare number between separators ("loop_drone_g_97", "kick 124 dark"): a tempo only if the
# file's length agrees, because take numbers, dates and drum machine names look the same.
_BARE_RE = re.compile(r"(?:^|[\s_\-.()\[\]])(\d{2,3}(?:\.\d+)?)(?=$|[\s_\-.()\[\]])")
_VORBIS_TEMPO_KEYS = frozenset({"BPM", "TBPM", "TEMPO"})
_LEADING_NUM = re.compile(r"\s*(\d+(?:\.\d+)?)")
_METADATA_ERRORS = (sf.SoundFileError, OSError, RuntimeError, ValueError, struct.error)


def in_range(bpm: float | None, lo_hi: tuple[float, float] = BPM_RANGE) -> float | None:
    return bpm if bpm is not None and lo_hi[0] <= bpm <= lo_hi[1] else None


def bpm_from_text(text: str) -> float | None:
    """The first tempo marked as one ("124 BPM", "bpm=124") in `text`, or None."""
    for match in BPM_RE.finditer(text):
        bpm = in_range(float(match.group(1) or match.group(2)))
        if bpm is not None:
            return bpm
    return None


def bpm_from_name(name: str) -> float | None:
    """The tempo written in a file name ("dark_loop_124bpm.wav" -> 124.0), or None."""
    return bpm_from_text(Path(name).name)


def bare_numbers(name: str) -> list[float]:
    """Numbers in tempo range standing alone in a file name ("loop_drone_g_97.flac" -> [97.0])."""
    stem = Path(name).stem
    return [b for m in _BARE_RE.finditer(stem) if (b := in_range(float(m.group(1)))) is not None]


def _acid_tempo(f: BinaryIO) -> float | None:
    """Tempo of a WAV `acid` chunk (ACIDized loops); walks the RIFF chunks without reading audio."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
        return None
    while len(chunk := f.read(8)) == 8:
        size = struct.unpack("<I", chunk[4:])[0]
        if chunk[:4] == b"acid" and size >= 24:
            flags, _, _, _, _, _, _, tempo = struct.unpack("<IHHfIHHf", f.read(24))
            return None if flags & 0x01 else float(tempo)  # a one-shot's tempo means nothing
        f.seek(size + (size & 1), os.SEEK_CUR)  # RIFF chunks are padded to even sizes
    return None


def _comment_tempo(block: bytes, offset: int = 0) -> float | None:
    """BPM/TBPM/TEMPO from a Vorbis comment structure (FLAC block 4, Ogg Vorbis/Opus header)."""
    offset += 4 + struct.unpack_from("<I", block, offset)[0]  # skip the vendor string
    count = struct.unpack_from("<I", block, offset)[0]
    offset += 4
    for _ in range(count):
        length = struct.unpack_from("<I", block, offset)[0]
        text = block[offset + 4 : offset + 4 + length].decode("utf-8", "replace")
        offset += 4 + length
        key, _, value = text.partition("=")
        # Values come as "124", "124.00" or "124 BPM": take the leading number.
        if key.strip().upper() in _VORBIS_TEMPO_KEYS and (m := _LEADING_NUM.match(value)):
            return float(m.group(1))
    return None


def _skip_id3(f: BinaryIO) -> bytes:
    """The first 4 bytes after an ID3v2 tag, if any (some taggers put one in front of any file)."""
    magic = f.read(4)
    if magic[:3] == b"ID3":
        syncsafe = f.read(6)[2:]  # 4 bytes of 7 bits each
        f.seek(10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(syncsafe)))
        magic = f.read(4)
    return magic


def _flac_tempo(f: BinaryIO) -> float | None:
    """BPM/TBPM/TEMPO from a FLAC VORBIS_COMMENT metadata block (type 4)."""
    if _skip_id3(f) != b"fLaC":
        return None
    last = False
    while not last and len(header := f.read(4)) == 4:
        last, kind, size = bool(header[0] & 0x80), header[0] & 0x7F, int.from_bytes(header[1:])
        if kind == 4:
            return _comment_tempo(f.read(size))
        f.seek(size, os.SEEK_CUR)
    return None


def _ogg_tempo(f: BinaryIO, max_pages: int = 8) -> float | None:
    """BPM/TBPM/TEMPO from the comment header of an Ogg Vorbis or Opus stream."""
    data = b""
    for _ in range(max_pages):  # the comment header sits in the first pages
        head = f.read(27)
        if len(head) < 27 or head[:4] != b"OggS":
            break
        lacing = f.read(head[26])
        data += f.read(sum(lacing))
    for magic in (b"\x03vorbis", b"OpusTags"):
        if (at := data.find(magic)) >= 0:
            return _comment_tempo(data, at + len(magic))
    return None


def _id3_tempo(f: BinaryIO) -> float | None:
    """The TBPM frame of an ID3v2.3/2.4 tag (MP3, and the odd WAV/AIFF)."""
    head = f.read(10)
    if len(head) < 10 or head[:3] != b"ID3" or head[3] not in (3, 4):
        return None
    end = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    while f.tell() + 10 <= end and (frame := f.read(10))[:1].isalnum():
        raw = frame[4:8]
        size = sum(b << (8 * (3 - i)) for i, b in enumerate(raw))
        if head[3] == 4:  # v2.4 frame sizes are syncsafe
            size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(raw))
        body = f.read(size)
        if frame[:4] == b"TBPM" and body:
            encoding = "utf-16" if body[0] in (1, 2) else "latin-1"
            text = body[1:].decode(encoding, "replace").strip("\x00 ")
            return float(m.group(1)) if (m := _LEADING_NUM.match(text)) else None
    return None


def bpm_from_metadata(path: Path) -> float | None:
    """The tempo embedded in the file (ACID chunk, Vorbis comment, ID3 TBPM, title/comment)."""
    try:
        with open(path, "rb") as f:
            for reader in (_acid_tempo, _flac_tempo, _ogg_tempo, _id3_tempo):
                f.seek(0)
                if (tempo := in_range(reader(f))) is not None:
                    return tempo
        with sf.SoundFile(path) as snd:
            tags = snd.copy_metadata()
    except _METADATA_ERRORS:
        return None  # malformed: no tempo in it to trust
    for key in ("comment", "title"):
        if key in tags and (tempo := bpm_from_text(tags[key])) is not None:
            return tempo
    return None
