"""The performer's side of a running daemon, for the JACK tests: an OSC peer and the JACK tools."""

from __future__ import annotations

import socket
import subprocess
import time

from pythonosc.osc_message import OscMessage

from livegen.control.osc import encode


def free_port() -> int:
    """A UDP port free on this machine now (for the daemon's --osc-port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jack_run(*argv: str, stdin: str | None = None) -> None:
    subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=10)


def wait_for_port(port: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while port not in subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout:
        assert time.monotonic() < deadline, f"JACK port {port} never appeared"
        time.sleep(0.05)


class Listener:
    """The performer's side of OSC: one socket that sends and receives, as Max and Pd do."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.01)
        self.target = ("127.0.0.1", port)
        self.inbox: list[tuple[float, str, tuple]] = []

    def send(self, address: str, *args: object) -> None:
        self.sock.sendto(encode(address, args), self.target)

    def pump(self, seconds: float = 0.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                data = self.sock.recv(65536)
                message = OscMessage(data)
                self.inbox.append((time.monotonic(), message.address, tuple(message.params)))
            except TimeoutError:
                if time.monotonic() >= deadline:
                    return

    def wait_for(self, address: str, predicate=lambda args: True, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        seen = len(self.inbox)
        while time.monotonic() < deadline:
            self.pump(0.02)
            for item in self.inbox[seen:]:
                if item[1] == address and predicate(item[2]):
                    return item
            seen = len(self.inbox)
        raise AssertionError(f"no {address} within {timeout} s")

    def wait_until_answering(self, timeout: float) -> None:
        """Ask for the status until the daemon answers (it opens its OSC port after warming up)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.status()
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def status(self) -> dict:
        self.send("/livegen/status")
        _, _, args = self.wait_for("/livegen/status", timeout=3.0)
        return dict(zip(args[::2], args[1::2], strict=True))


def reap(proc: subprocess.Popen) -> None:
    """Teardown for a daemon subprocess: kill it if a failed test left it running, and collect
    it (its output is the test's to read, by `communicate` or by a reader thread)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
