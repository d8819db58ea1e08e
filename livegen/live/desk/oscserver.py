"""The OSC transport: a plain UDP socket and one receiving thread, around `control.osc`.

The thread only receives datagrams, checks the sender against `--osc-allow`, stamps them and
appends them to a bounded queue; parsing (`control.osc.handle_packet`) and everything after it
happen in the control thread. A flood therefore costs the receiver one `recvfrom` and one append
per datagram. Once the queue is full the *oldest* datagram is dropped and counted: for controls the
newest value is the one that matters, and a request sent after a flood is still answered. While
the queue overflows the thread yields the interpreter after every datagram, so the audio callback
never waits long for it: the audio never waits for OSC.

Replies leave from the same socket (so a peer that listens where it sends, as Max and Pd often
do, gets them), to the sender or to `--reply HOST:PORT`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass

Sender = tuple[str, int]
RCVBUF = 4 << 20  # bytes asked for the socket's receive buffer


@dataclass(frozen=True)
class Packet:
    data: bytes
    sender: Sender
    t: float  # time.monotonic() at arrival
    wall: float  # time.time() at arrival (OSC time tags are on this scale)


def parse_host_port(text: str) -> Sender:
    """ "HOST:PORT" → (host, port), for `--reply`."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


class OscServer:
    """Args:
    host, port: where to listen (127.0.0.1:9000; "0.0.0.0" opens it to the network).
    allow: sender IP addresses whose datagrams are accepted (None: all).
    capacity: datagrams queued at most; beyond that the oldest are dropped.
    sock: a bound socket to use instead of binding one (`resume`: after a lost device).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9000,
        allow: set[str] | None = None,
        capacity: int = 256,
        sock: socket.socket | None = None,
    ) -> None:
        self.allow = {socket.gethostbyname(a) for a in allow} if allow else None
        self.capacity = capacity
        if sock is not None:  # bound already (the process before a resume left it open)
            self.sock = sock
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.sock.bind((host, port))
            except OSError as exc:
                self.sock.close()
                raise OSError(
                    f"cannot listen for OSC on {host}:{port} ({exc.strerror or exc}); "
                    "is another livegen running? Choose another --osc-port"
                ) from exc
        self.sock.settimeout(0.1)
        # A large kernel buffer rides out a burst while the receiver waits for the interpreter
        # (the kernel caps it at net.core.rmem_max; `rcvbuf` is what it granted).
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        except OSError:
            pass
        self.rcvbuf = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        self.address: Sender = self.sock.getsockname()
        self.queue: deque[Packet] = deque(maxlen=capacity)
        self.received = 0
        self.dropped = 0  # oldest datagrams pushed out of a full queue
        self.refused = 0  # sender not allowed
        self.overloaded: set[Sender] = set()  # senders who lost datagrams since the last report
        self.wake = threading.Event()  # set on every accepted datagram (the control thread waits)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="livegen-osc", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            self.received += 1
            if self.allow is not None and sender[0] not in self.allow:
                self.refused += 1
                continue
            if len(self.queue) >= self.capacity:
                self.dropped += 1  # the append below pushes the oldest out
                if len(self.overloaded) < 16:
                    self.overloaded.add((sender[0], int(sender[1])))
                time.sleep(0)  # yield the GIL: a flood must not starve the audio callback
            self.queue.append(
                Packet(data, (sender[0], int(sender[1])), time.monotonic(), time.time())
            )
            self.wake.set()

    def kernel_dropped(self) -> int | None:
        """Datagrams the kernel dropped for this socket (its buffer was full), where the OS says:
        Linux's /proc/net/udp `drops` column for the socket's inode; None elsewhere."""
        try:
            inode = str(os.fstat(self.sock.fileno()).st_ino)
            for table in ("/proc/net/udp", "/proc/net/udp6"):
                with open(table) as file:
                    for line in file:
                        fields = line.split()
                        if len(fields) >= 13 and fields[9] == inode:
                            return int(fields[-1])
        except (OSError, ValueError):
            return None
        return None

    def drain(self, limit: int) -> list[Packet]:
        """Up to `limit` queued datagrams, oldest first (control thread)."""
        out: list[Packet] = []
        while self.queue and len(out) < limit:
            out.append(self.queue.popleft())
        return out

    def send(self, data: bytes, to: Sender) -> bool:
        """Send one datagram; False if the network refused it (never raises, never blocks)."""
        try:
            self.sock.sendto(data, to)
        except OSError:
            return False
        return True

    def detach(self) -> int:
        """Stop receiving and hand the open socket over (its fd, inheritable across an exec)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        fd = self.sock.fileno()
        os.set_inheritable(fd, True)
        return fd

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self.sock.close()
