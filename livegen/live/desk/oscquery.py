"""OSCQuery discovery: the OSC address space, its types, ranges and current values as HTTP/JSON.

Follows the Vidvox OSCQuery proposal (https://github.com/Vidvox/OSCQueryProposal): `GET /` is the
whole tree, `GET /livegen/guidance` one node, `GET /livegen/guidance?VALUE` one attribute of it
(`{"VALUE": [3.0]}`), `GET /?HOST_INFO` where the OSC server is (UDP port, address) and which
optional attributes this server provides. Errors are HTTP statuses: 404 for a path that is no
node, 400 for an attribute this server does not provide (TAGS, UNIT, LISTEN...), 204 for the
VALUE of a node that has none to read (/livegen/play). There is no WebSocket side: clients poll.

`namespace` and `respond` are pure (a `Session` in, dicts out; tests need no sockets);
`OscQueryServer` is the thin shell around them: a stdlib `ThreadingHTTPServer` in a daemon
thread. Each request reads the current session once through `current_session`, which must be a
plain read of an immutable object (the controller swaps its `Session` by one assignment), so a
request never waits on the audio, control or producer threads. `/livegen/bpm` and
`/livegen/clock` are the clock's, not the session's: each request reads them through
`current_clock` (`ClockDesk.view`: the shared clock's lock, held for a state query only), so a
tempo a Link peer set shows at once.

Discovery over mDNS/Bonjour (`_oscjson._tcp`) happens only where the optional `zeroconf` package
is installed and the server listens on a network address (not 127.x); otherwise clients connect
by URL, `http://HOST:PORT/` as printed at startup.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from livegen.control.commands import STEMS
from livegen.control.keys import MODES, Key
from livegen.control.osc import ADDRESSES, PREFIX, Address, Arg
from livegen.control.state import Session

NAME = "livegen"
SERVICE = "_oscjson._tcp.local."
EXTENSIONS = {  # optional attributes: served (True) or not; LISTEN would need a WebSocket
    "TYPE": True, "ACCESS": True, "VALUE": True, "RANGE": True, "DESCRIPTION": True,
    "CLIPMODE": True, "TAGS": False, "EXTENDED_TYPE": False, "UNIT": False, "CRITICAL": False,
    "LISTEN": False, "PATH_CHANGED": False,
}  # fmt: skip
ATTRIBUTES = ("FULL_PATH", "CONTENTS", *(key for key, served in EXTENSIONS.items() if served))
READ, WRITE = 1, 2  # ACCESS bits
_SESSION_FIELDS = {f.name for f in fields(Session)}
_FIELD = {"/livegen/prompt": "prompts"}  # addresses whose session field has another name
_COMMANDS = {"/livegen/scene", "/livegen/morph"}  # session fields, but commands: nothing to read
_CONTAINERS = {"/": "livegen: real-time generative music", "/livegen": "the daemon's controls"}
KEY_NAMES = ("none", *(Key(root, mode).name for mode in MODES for root in range(12)))
# String arguments with a known set of values, served as RANGE VALS (a client's menu): the stems,
# and the 24 keys (/livegen/key also reads other spellings, "A#m": CLIPMODE stays "none").
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("/livegen/stem", "stem"): STEMS,
    ("/livegen/mute", "stem"): STEMS,
    ("/livegen/drop", "stem"): STEMS,
    ("/livegen/key", "key"): KEY_NAMES,
}


# --- the address space as OSCQuery nodes (pure) ---------------------------------------------------
def value(spec: Address, session: Session) -> list[Any] | None:
    """The address's current value, one item per argument; None where it has none.

    Addresses named after a session field (/livegen/guidance → `Session.guidance`) have one;
    /livegen/prompt shows the first prompt and its weight (`/livegen/status` has the whole mix),
    /livegen/key the key's name ("F minor", "none"), /livegen/key_guidance the push in use (the
    model's own until one is sent: `Session.key_guidance_in_use`).
    """
    field = _field(spec)
    if field is None:
        return None
    raw = getattr(session, field)
    if field == "key":
        raw = "none" if raw is None else raw.name
    if field == "key_guidance":
        raw = session.key_guidance_in_use
    if field == "prompts":
        raw = raw[0] if raw else None
    if raw is None and field == "audio_prompt":
        raw = ("", 0.0)  # none: weight 0, as `/livegen/audio_prompt s 0` removes it
    if raw is None:
        return None
    items = raw if isinstance(raw, tuple) else (raw,)
    if len(items) != len(spec.args):
        return None
    return [_typed(arg, item) for arg, item in zip(spec.args, items, strict=True)]


def readable(spec: Address) -> bool:
    """Whether the address has a current value to read (ACCESS 3) or only takes commands (2)."""
    return _field(spec) is not None and spec.path not in _COMMANDS


def access(spec: Address) -> int:
    """ACCESS: 3 for a session value, 2 for a command with arguments, 0 for one without (the
    proposal's "no value": /livegen/play, /stop, /status)."""
    if not spec.args:
        return 0
    return READ | WRITE if readable(spec) else WRITE


def placeholder(spec: Address) -> list[Any]:
    """A typed VALUE for a write-only node: its defaults, else the bottom of its range ("" for
    text). Clients that derive the types from VALUE (python-oscquery) need one; `?VALUE` on
    the node still answers 204, since there is nothing to read back."""
    out: list[Any] = []
    for arg in spec.args:
        item = arg.default if arg.default is not None else (arg.lo or 0)
        if arg.kind == "s" and arg.default is None:
            item = CHOICES.get((spec.path, arg.name), ("",))[0]
        out.append(_typed(arg, item))
    return out


def method_node(spec: Address, session: Session) -> dict[str, Any]:
    """One OSC method: FULL_PATH, TYPE, ACCESS, VALUE, RANGE, CLIPMODE, DESCRIPTION."""
    node: dict[str, Any] = {
        "FULL_PATH": spec.path,
        "TYPE": "".join(arg.kind for arg in spec.args),  # /livegen/prompt: "sf" (repeatable)
        "ACCESS": access(spec),
        "DESCRIPTION": spec.description,
    }
    # Every node with arguments has a VALUE: its current one where readable, else a typed
    # placeholder (a readable node without one, or ACCESS 2 without one, python-oscquery 0.4
    # refuses, and the whole tree with it).
    current = value(spec, session) if readable(spec) else None
    if spec.args:
        node["VALUE"] = current if current is not None else placeholder(spec)
    ranges = [_range(spec.path, arg) for arg in spec.args]
    if any(r is not None for r in ranges):
        node["RANGE"] = ranges
        # Out-of-range values are refused with /livegen/error, never applied: "both" asks
        # clients to keep their sliders inside RANGE.
        node["CLIPMODE"] = ["none" if r is None or "VALS" in r else "both" for r in ranges]
    return node


def namespace(session: Session, addresses: Iterable[Address] | None = None) -> dict[str, Any]:
    """The whole tree: containers (ACCESS 0, CONTENTS) down to one method node per address."""
    root = _container("/")
    for spec in ADDRESSES.values() if addresses is None else addresses:
        node = root
        parts = spec.path.strip("/").split("/")
        for depth, part in enumerate(parts[:-1], start=1):
            node = node["CONTENTS"].setdefault(part, _container("/" + "/".join(parts[:depth])))
        node["CONTENTS"][parts[-1]] = method_node(spec, session)
    return root


def find(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The node at an OSC path ("/" is the root), or None."""
    node: dict[str, Any] | None = tree
    for part in (p for p in path.split("/") if p):
        node = (node or {}).get("CONTENTS", {}).get(part)
        if node is None:
            return None
    return node


def host_info(osc_host: str, osc_port: int, name: str = NAME) -> dict[str, Any]:
    """HOST_INFO: where the OSC server listens and which optional attributes are served."""
    return {
        "NAME": name,
        "OSC_IP": osc_host,
        "OSC_PORT": int(osc_port),
        "OSC_TRANSPORT": "UDP",
        "EXTENSIONS": dict(EXTENSIONS),
    }


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any] | str | None  # JSON object, a short text for errors, or nothing (204)


def respond(
    target: str, session: Session, info: dict[str, Any], clock: dict[str, Any] | None = None
) -> Response:
    """One GET request target ("/livegen/guidance?VALUE") to a response, per the proposal.

    `clock`: the clock's state (`ClockDesk.view`: bpm, clock), shown instead of the tempo and
    clock the session last asked for (None: the session's, for tests without a clock).
    """
    if clock is not None:
        session = replace(session, bpm=float(clock["bpm"]), clock=str(clock["clock"]))
    url = urlsplit(target)
    path = unquote(url.path) or "/"
    attribute = url.query.split("&")[0].split("=")[0].upper()
    if attribute == "HOST_INFO":  # the path is irrelevant here
        return Response(200, info)
    node = find(namespace(session), path)
    if node is None:
        return Response(404, f"no OSC node at {path}")
    if not attribute:
        return Response(200, node)
    if attribute not in ATTRIBUTES:
        return Response(400, f"attribute {attribute} is not supported")
    if attribute == "VALUE" and node.get("ACCESS", 0) != READ | WRITE:
        return Response(204, None)
    return Response(200, {attribute: node[attribute]} if attribute in node else {})


def _field(spec: Address) -> str | None:
    """The `Session` field an address sets, if it is named after one."""
    name = _FIELD.get(spec.path, spec.path.removeprefix(PREFIX))
    return name if name in _SESSION_FIELDS else None


def _typed(arg: Arg, item: Any) -> Any:
    if arg.kind == "f":
        return float(item)
    if arg.kind == "i":
        return int(item)
    return str(item)


def _range(path: str, arg: Arg) -> dict[str, Any] | None:
    if (path, arg.name) in CHOICES:
        return {"VALS": list(CHOICES[path, arg.name])}
    if arg.kind == "s" or (arg.lo is None and arg.hi is None):
        return None
    cast: Callable[[Any], float | int] = int if arg.kind == "i" else float
    out: dict[str, Any] = {}
    if arg.lo is not None:
        out["MIN"] = cast(arg.lo)
    if arg.hi is not None:
        out["MAX"] = cast(arg.hi)
    return out


def _container(path: str) -> dict[str, Any]:
    return {
        "FULL_PATH": path,
        "ACCESS": 0,
        "DESCRIPTION": _CONTAINERS.get(path, ""),
        "CONTENTS": {},
    }


# --- the HTTP shell -----------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    timeout = 5.0  # s: a client that connects and says nothing does not keep a thread for long

    def do_GET(self) -> None:
        owner = self.server.owner
        if owner.allow is not None and self.client_address[0] not in owner.allow:
            self._send(Response(403, "not allowed (--osc-allow)"))
            return
        try:
            response = owner.handle(self.path, self.connection.getsockname()[0])
        except Exception as exc:  # a bug here must not take the daemon down
            response = Response(500, f"{type(exc).__name__}: {exc}")
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Access-Control-Allow-Origin", "*")  # browser-based clients
        if response.status == 204:
            self.end_headers()
            return
        if isinstance(response.body, str):
            data, kind = (response.body + "\n").encode(), "text/plain; charset=utf-8"
        else:
            data, kind = json.dumps(response.body).encode(), "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line per request: the terminal belongs to the status line


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: OscQueryServer


class OscQueryServer:
    """Args:
    current_session: returns the daemon's session now (called from the HTTP threads).
    osc_address: (host, port) the OSC UDP server listens on.
    host, port: where to serve HTTP (port 0: any free port).
    allow: client IP addresses served (None: all), as `--osc-allow`.
    advertise: register `_oscjson._tcp` over mDNS when `zeroconf` is installed.
    current_clock: returns the clock's state (`ClockDesk.view`); None: the session's tempo.
    """

    def __init__(
        self,
        current_session: Callable[[], Session],
        osc_address: tuple[str, int],
        host: str = "127.0.0.1",
        port: int = 9001,
        allow: set[str] | None = None,
        advertise: bool = True,
        current_clock: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.current_session = current_session
        self.current_clock = current_clock
        self.osc_address = osc_address
        self.allow = allow
        try:
            self.httpd = _HttpServer((host, port), _Handler)
        except (OSError, OverflowError) as exc:  # in use, not an address here, not a port
            reason = getattr(exc, "strerror", None) or exc
            raise OSError(
                f"cannot serve OSCQuery on {host}:{port} ({reason}); "
                "choose another --oscquery-port, or --no-oscquery"
            ) from exc
        self.httpd.owner = self
        host, port = self.httpd.socket.getsockname()[:2]
        self.address: tuple[str, int] = (str(host), int(port))
        self._advertise = advertise
        self._zeroconf: Any = None
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.25,), name="livegen-oscquery", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/"

    def handle(self, target: str, local_ip: str) -> Response:
        """One request; `local_ip` is the address the client reached us at (for OSC_IP)."""
        osc_host, osc_port = self.osc_address
        ip = local_ip if osc_host in ("", "0.0.0.0") else osc_host
        clock = None if self.current_clock is None else self.current_clock()
        return respond(target, self.current_session(), host_info(ip, osc_port), clock)

    def start(self) -> None:
        self._thread.start()
        if self._advertise:
            threading.Thread(target=self._register, name="livegen-mdns", daemon=True).start()

    def close(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
            self._thread.join(timeout=2.0)
        self.httpd.server_close()
        with self._lock:
            self._closed = True
            zc, self._zeroconf = self._zeroconf, None
        if zc is not None:
            _unregister(zc)

    def _register(self) -> None:
        """mDNS advertisement, off the startup path (probing takes a second or two)."""
        try:
            from zeroconf import ServiceInfo, Zeroconf
        except ImportError:
            return
        host, port = self.address
        ip = _network_ip() if host in ("", "0.0.0.0") else host
        if ip is None or ip.startswith("127."):
            return  # only this machine can connect: nothing to announce
        try:
            info = ServiceInfo(SERVICE, f"{NAME}-{port}.{SERVICE}", port=port,
                               parsed_addresses=[ip], server=f"{socket.gethostname()}.local.")  # fmt: skip
            registered = Zeroconf()
            registered.register_service(info)
        except Exception:  # discovery is a convenience: the URL still works
            return
        zc: Zeroconf | None = registered
        with self._lock:
            keep = not self._closed
            if keep:
                self._zeroconf = zc
        if not keep:  # closed while registering
            _unregister(zc)


def _unregister(zc: Any) -> None:
    try:
        zc.unregister_all_services()
        zc.close()
    except Exception:
        pass


def _network_ip() -> str | None:
    """This machine's address on the default route (no packet is sent), or None offline."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return None
