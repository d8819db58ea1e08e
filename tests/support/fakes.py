"""Stand-ins for what the controller tests do not need for real (a socket), shared by them."""

from __future__ import annotations

from pythonosc.osc_message import OscMessage


class FakeOsc:
    """The part of `OscServer` the controller uses, without a socket."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple, tuple[str, int]]] = []
        self.queue: list = []
        self.dropped = 0
        self.overloaded: set = set()

    def drain(self, limit: int) -> list:
        out, self.queue = self.queue[:limit], self.queue[limit:]
        return out

    def send(self, data: bytes, to: tuple[str, int]) -> bool:
        message = OscMessage(data)
        self.sent.append((message.address, tuple(message.params), to))
        return True

    def close(self) -> None:
        pass

    def kernel_dropped(self) -> int | None:
        return None

    def addresses(self) -> list[str]:
        return [s[0] for s in self.sent]
