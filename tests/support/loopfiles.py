"""Test loops written to real audio files: synthesised techno bars and the tags samplers write.

Shared by the tempo, tag, importer and evaluation tests.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 24_000
PEAK = 10 ** (-1.5 / 20)


def bar_len(bpm: float, sr: int = SR) -> int:
    return round(240 / bpm * sr)


def techno(bpm: float, sr: int, bars: float = 1, seed: int = 0) -> np.ndarray:
    """Kick (decaying 60 Hz sine with a pitch drop) on every beat, noise hat on every offbeat."""
    n = round(bars * bar_len(bpm, sr))
    beat = 60 / bpm * sr
    t = np.arange(round(0.25 * sr)) / sr
    kick = 0.7 * np.sin(2 * np.pi * (60 * t + 4 * (1 - np.exp(-t / 0.02)))) * np.exp(-t / 0.08)
    noise = np.random.default_rng(seed).standard_normal(round(0.03 * sr))
    hat = 0.15 * np.diff(noise * np.exp(-np.arange(len(noise)) / (0.008 * sr)), prepend=0)
    out = np.zeros(n)
    for i in range(int(np.ceil(n / beat))):
        for pos, hit in ((round(i * beat), kick), (round((i + 0.5) * beat), hat)):
            if pos < n:
                out[pos : pos + len(hit)] += hit[: n - pos]
    return out.astype(np.float32)


def clicks(bpm: float, sr: int, beats: int = 4) -> np.ndarray:
    """`beats` decaying 2 kHz clicks, one per beat at `bpm`: a click track, one bar by default."""
    n = round(beats * 60.0 * sr / bpm)
    t = np.arange(round(0.02 * sr)) / sr
    click = np.sin(2 * np.pi * 2000.0 * t) * np.exp(-t / 0.004)
    out = np.zeros(n)
    for b in range(beats):
        start = round(b * 60.0 * sr / bpm)
        out[start : start + len(click)] += click[: n - start]
    return out.astype(np.float32)


def write(path: Path, audio: np.ndarray, sr: int, channels: int = 1, **tags: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.stack([audio * (1 - 0.2 * c) for c in range(channels)], axis=1)
    fmt = "AIFF" if path.suffix == ".aif" else None  # soundfile only guesses from ".aiff"
    subtype = {".ogg": "VORBIS", ".mp3": "MPEG_LAYER_III"}.get(path.suffix, "PCM_16")
    with sf.SoundFile(path, "w", sr, channels, subtype=subtype, format=fmt) as f:
        for key, value in tags.items():
            setattr(f, key, value)
        f.write(frames)
    return path


def add_acid_chunk(path: Path, tempo: float, flags: int = 0x02) -> None:
    """Append an ACID chunk after the data chunk and fix the RIFF size."""
    body = struct.pack("<IHHfIHHf", flags, 60, 0x8000, 0.0, 4, 4, 4, tempo)
    data = path.read_bytes() + b"acid" + struct.pack("<I", len(body)) + body
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])


def set_vorbis_comments(path: Path, *comments: str) -> None:
    """Replace a FLAC file's VORBIS_COMMENT block (type 4) with one holding `comments`."""
    data = path.read_bytes()
    assert data[:4] == b"fLaC"
    blocks, pos, last = [], 4, False
    while not last:
        last, size = bool(data[pos] & 0x80), int.from_bytes(data[pos + 1 : pos + 4])
        blocks.append((data[pos] & 0x7F, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    vendor = b"livegen tests"
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    body += b"".join(struct.pack("<I", len(c.encode())) + c.encode() for c in comments)
    blocks = [blocks[0], (4, body)] + [b for b in blocks[1:] if b[0] != 4]
    out = b"fLaC"
    for i, (kind, block) in enumerate(blocks):
        last_flag = 0x80 if i == len(blocks) - 1 else 0
        out += bytes([kind | last_flag]) + len(block).to_bytes(3) + block
    path.write_bytes(out + data[pos:])


def _ogg_crc(data: bytes) -> int:
    """Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, initial value 0."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def rename_ogg_comment(path: Path, old: bytes, new: bytes) -> None:
    """Rename a Vorbis comment key (same length, e.g. GENRE -> TEMPO) and fix the page CRCs."""
    assert len(old) == len(new)
    data = bytearray(path.read_bytes())
    at = data.find(old + b"=")
    assert at > 0, "comment not found"
    data[at : at + len(old)] = new
    pos = 0
    while pos < len(data) and data[pos : pos + 4] == b"OggS":
        n_seg = data[pos + 26]
        end = pos + 27 + n_seg + sum(data[pos + 27 : pos + 27 + n_seg])
        if pos <= at < end:
            data[pos + 22 : pos + 26] = b"\0\0\0\0"
            data[pos + 22 : pos + 26] = struct.pack("<I", _ogg_crc(bytes(data[pos:end])))
        pos = end
    path.write_bytes(bytes(data))


def prepend_id3_tbpm(path: Path, bpm: str, version: int = 3) -> None:
    """Put an ID3v2 tag with one TBPM frame in front of the file (what MP3 taggers do)."""
    body = b"\x00" + bpm.encode("latin-1")
    size = len(body)
    if version == 4:
        raw = bytes((size >> (7 * (3 - i))) & 0x7F for i in range(4))
    else:
        raw = struct.pack(">I", size)
    frame = b"TBPM" + raw + b"\x00\x00" + body
    tag_size = bytes((len(frame) >> (7 * (3 - i))) & 0x7F for i in range(4))
    path.write_bytes(b"ID3" + bytes([version, 0, 0]) + tag_size + frame + path.read_bytes())
