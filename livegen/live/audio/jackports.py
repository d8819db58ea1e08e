"""Names for the daemon's JACK ports: `PortAudio:out_3` becomes `PortAudio:drums_R`, alias
`livegen:drums_R`, so a DAW (or `jack_connect livegen:drums_L ardour:in_1`) finds each stem.

PortAudio's JACK host API registers its output ports as `<client>:out_<n>` (client "PortAudio",
"PortAudio-01" for a second one) and offers no way to name them. JACK itself lets any client
rename a port (`jack_port_rename`) and give it aliases (`jack_port_set_alias`), and PortAudio
keeps its ports by handle, not by name, so renaming them under it is safe. This module does
that through ctypes on libjack (no extra dependency): it lists the PortAudio output ports before
the stream is opened (`JackNames.ports`), and names the ones that appeared with it
(`JackNames.name_new`). It opens a short-lived JACK client of its own ("livegen-names") and
never starts a server. Without libjack or a server, it does nothing and says why.

PortAudio's JACK device offers as many output channels as the server has physical playback
ports: 8 channels (mix + 3 stereo stems) need a server with 8 (`jackd -d dummy -P 8`, an
interface with 8 outputs, or `jackd -d alsa -P hw:X -o 8`).
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

PATTERN = rb"^PortAudio[^:]*:out_[0-9]+$"
NO_START_SERVER = 0x01


class JackNames:
    """A small libjack client that renames ports; `error` says why it could not open (then
    every method does nothing)."""

    def __init__(self, name: str = "livegen-names") -> None:
        self.error = ""
        self._lib: Any = None
        self._client: Any = None
        try:
            lib = ctypes.CDLL("libjack.so.0")
        except OSError as exc:
            self.error = f"libjack not found ({exc})"
            return
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
        ]
        lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_get_ports.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
        ]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_rename.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_set_alias.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_free.argtypes = [ctypes.c_void_p]
        status = ctypes.c_int()
        client = lib.jack_client_open(name.encode(), NO_START_SERVER, ctypes.byref(status))
        if not client:
            self.error = f"no JACK server to talk to (status 0x{status.value:x})"
            return
        self._lib, self._client = lib, client

    def ports(self) -> set[str]:
        """The PortAudio output ports there are now."""
        if self._client is None:
            return set()
        found = self._lib.jack_get_ports(self._client, PATTERN, None, 0)
        names: set[str] = set()
        if found:
            i = 0
            while found[i]:
                names.add(found[i].decode())
                i += 1
            self._lib.jack_free(found)
        return names

    def name_new(
        self, before: set[str], names: tuple[str, ...], alias: str = "livegen"
    ) -> list[str]:
        """Rename the PortAudio output ports that are not in `before` (ours: out_0, out_1, ...
        in channel order) to `names`, each with the alias `alias:name`. Returns the new full
        names (empty if it could not)."""
        if self._client is None:
            return []
        ours = sorted(self.ports() - before, key=lambda n: int(re.sub(r".*_", "", n)))
        done = []
        for old, new in zip(ours, names, strict=False):
            port = self._lib.jack_port_by_name(self._client, old.encode())
            if not port or self._lib.jack_port_rename(self._client, port, new.encode()) != 0:
                continue
            self._lib.jack_port_set_alias(port, f"{alias}:{new}".encode())
            done.append(f"{old.split(':', 1)[0]}:{new}")
        return done

    def close(self) -> None:
        if self._client is not None:
            self._lib.jack_client_close(self._client)
            self._client = None
