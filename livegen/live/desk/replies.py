"""The reply broadcaster: every OSC message the daemon sends goes out here.

- answers to one sender (`/livegen/status`, `/livegen/error s s`, `/livegen/unknown s ...`), or
  all of them to `--reply` (`reply_to`) when it is set;
- the subscribers (`/livegen/subscribe 1`, at most `MAX_SUBSCRIBERS`) get every clock `Beat` as
  `/livegen/beat i i` (bar, beat; 0-based, as the clock counts), every downbeat as
  `/livegen/bar i`, and news as `/livegen/notice s`;
- an overloaded OSC queue is answered once a second at most (`report_overload`).

`notice` is the latest event worth showing (the status line reads it). Messages from MIDI
control (`MIDI_SENDER`) have nobody to answer: their refusals become the notice instead.
"""

from __future__ import annotations

from typing import Any

from livegen.clock.events import Beat
from livegen.control.osc import Reply, encode, error_reply
from livegen.live.desk.midicontrol import MIDI_SENDER
from livegen.live.desk.oscserver import OscServer, Sender

MAX_SUBSCRIBERS = 16


class Replies:
    """Args:
    osc: the UDP shell (None: nothing is sent, e.g. in tests without OSC).
    reply_to: send every reply there instead of to the sender (`--reply`).
    """

    def __init__(self, osc: OscServer | None = None, reply_to: Sender | None = None) -> None:
        self.osc = osc
        self.reply_to = reply_to
        self.subscribers: set[Sender] = set()
        self.notice = ""  # the latest event worth showing (clock lost, errors)
        self.sent = 0
        self._last_overload = 0.0

    def send(self, reply: Reply) -> None:
        to = self.reply_to or reply.to
        if self.osc is not None and to != MIDI_SENDER:
            self.osc.send(reply.encode(), to)
            self.sent += 1

    def refuse(self, address: str, reason: str, sender: Sender) -> None:
        """`/livegen/error address reason` to the sender (a MIDI message's: the notice)."""
        self.send(error_reply(address, reason, sender))
        if sender == MIDI_SENDER:
            self.notice = f"MIDI: {reason}"

    def subscribe(self, on: bool, sender: Sender) -> None:
        target = self.reply_to or sender
        if on and len(self.subscribers) < MAX_SUBSCRIBERS:
            self.subscribers.add(target)
        elif not on:
            self.subscribers.discard(target)

    def announce(self, text: str) -> None:
        """`/livegen/notice s` to the subscribers (or `--reply`): news a patch should show."""
        self.notice = text
        if self.reply_to is not None and self.reply_to not in self.subscribers:
            self.send(Reply("/livegen/notice", (text,), self.reply_to))
        self.broadcast("/livegen/notice", (text,))

    def beat(self, event: Beat) -> None:
        self.broadcast("/livegen/beat", (event.bar, event.beat))
        if event.downbeat:
            self.broadcast("/livegen/bar", (event.bar,))

    def broadcast(self, address: str, args: tuple[Any, ...]) -> None:
        if self.osc is None or not self.subscribers:
            return
        data = encode(address, args)
        for target in list(self.subscribers):
            self.osc.send(data, target)
            self.sent += 1

    def report_overload(self, now: float) -> None:
        """Tell the senders whose datagrams were dropped (once a second at most)."""
        if self.osc is None or not self.osc.overloaded or now - self._last_overload < 1.0:
            return
        self._last_overload = now
        targets, self.osc.overloaded = self.osc.overloaded, set()
        reason = f"overload: {self.osc.dropped} datagrams dropped so far; send less often"
        for target in targets:
            self.send(error_reply("", reason, target))
        self.notice = reason
