"""OSCQuery: the namespace built from the address space and a session (pure), then the HTTP shell
over real sockets, the controller's session seen through it after an OSC datagram, and the whole
daemon (`serve.start` on a JACK dummy server) answering a UDP command with a new VALUE."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient

from livegen.clock.shared import SharedClock
from livegen.clock.sources import InternalClock
from livegen.control import commands as cmd
from livegen.control.osc import ADDRESSES, Address, Arg
from livegen.control.state import Session, apply
from livegen.live import serve
from livegen.live.desk.control import Controller
from livegen.live.desk.oscquery import (
    CHOICES,
    EXTENSIONS,
    OscQueryServer,
    Response,
    find,
    host_info,
    namespace,
    respond,
)
from livegen.live.desk.oscserver import OscServer
from livegen.live.pipeline.concepts import ConceptWorker
from livegen.live.pipeline.source import BarSpec, Rendered
from livegen.units import bar_samples
from tests.support.performer import reap

INFO = host_info("127.0.0.1", 9000)


def changed() -> Session:
    session = Session()
    for command in (
        cmd.SetGuidance(7.5),
        cmd.SetSteps(16),
        cmd.SetSeed(42),
        cmd.SetVariation(0.25),
        cmd.SetHold(True),
        cmd.SetBpm(128.5),
        cmd.SetClock("midi"),
        cmd.SetGain(0.5),
        cmd.SetPrompts((("acid", 0.7), ("dub chords", 0.3))),
        cmd.SetAudioPrompt("/tmp/ref.wav", 0.4),
    ):
        session = apply(session, command)
    return session


# --- the namespace (pure) ----------------------------------------------------------------------
def test_every_address_is_a_node_with_its_type_and_ranges():
    tree = namespace(Session())
    assert tree["FULL_PATH"] == "/" and tree["ACCESS"] == 0
    assert list(tree["CONTENTS"]) == ["livegen"]
    assert methods(tree) == sorted(ADDRESSES)  # nothing more, nothing less
    for path, spec in ADDRESSES.items():
        node = find(tree, path)
        assert node is not None, path
        assert node["FULL_PATH"] == path
        assert node["TYPE"] == "".join(a.kind for a in spec.args)
        assert node["DESCRIPTION"] == spec.description
        assert node["ACCESS"] in ((2, 3) if spec.args else (0,))
        assert ("VALUE" in node) == bool(spec.args)  # issue #17 item 11
        choices = [(path, a.name) in CHOICES for a in spec.args]
        ranged = [a for a in spec.args if a.kind != "s" and a.lo is not None]
        if not ranged and not any(choices):
            assert "RANGE" not in node and "CLIPMODE" not in node
            continue
        for arg, r, menu in zip(spec.args, node["RANGE"], choices, strict=True):
            if menu:  # a string from a known set (stems, keys): a client's menu
                assert r == {"VALS": list(CHOICES[path, arg.name])}
            elif arg.kind == "s":
                assert r is None
            else:
                assert (r["MIN"], r["MAX"]) == (arg.lo, arg.hi)
                assert isinstance(r["MIN"], int if arg.kind == "i" else float)
        assert node["CLIPMODE"] == ["none" if a.kind == "s" else "both" for a in spec.args]


def methods(node: dict[str, Any]) -> list[str]:
    """FULL_PATH of every method (leaf) under `node`."""
    if "CONTENTS" not in node:
        return [node["FULL_PATH"]]
    return sorted(p for child in node["CONTENTS"].values() for p in methods(child))


def test_the_known_addresses_in_detail():
    tree = namespace(Session())
    expect = {  # path: (TYPE, ACCESS, RANGE)
        "/livegen/prompt": ("sf", 3, [None, {"MIN": 0.0, "MAX": 10.0}]),
        "/livegen/guidance": ("f", 3, [{"MIN": 0.0, "MAX": 20.0}]),
        "/livegen/key_guidance": ("f", 3, [{"MIN": 0.0, "MAX": 20.0}]),  # or s "default"
        "/livegen/key_lock": ("i", 3, [{"MIN": 0, "MAX": 1}]),  # or s "on"/"off"
        "/livegen/steps": ("i", 3, [{"MIN": 1, "MAX": 64}]),
        "/livegen/seed": ("i", 3, [{"MIN": 0, "MAX": 2147483647}]),
        "/livegen/hold": ("i", 3, [{"MIN": 0, "MAX": 1}]),
        "/livegen/bpm": ("f", 3, [{"MIN": 20.0, "MAX": 300.0}]),
        "/livegen/gain": ("f", 3, [{"MIN": 0.0, "MAX": 4.0}]),
        "/livegen/clock": ("s", 3, None),
        "/livegen/play": ("", 0, None),
        "/livegen/stop": ("", 0, None),
        "/livegen/status": ("", 0, None),
        "/livegen/scene": ("i", 2, [{"MIN": 0, "MAX": 127}]),
        "/livegen/word": ("ss", 2, None),
        "/livegen/subscribe": ("i", 2, [{"MIN": 0, "MAX": 1}]),
    }
    for path, (kind, access, ranges) in expect.items():
        node = find(tree, path)
        assert node is not None, path
        assert (node["TYPE"], node["ACCESS"], node.get("RANGE")) == (kind, access, ranges), path
        assert ("VALUE" in node) == (access != 0), path


def test_values_are_the_sessions():
    default = namespace(Session())
    values = {path: find(default, path).get("VALUE") for path in ADDRESSES}  # type: ignore[union-attr]
    assert values["/livegen/prompt"] == ["minimal techno", 1.0]
    assert values["/livegen/audio_prompt"] == ["", 0.0]  # none: weight 0
    assert values["/livegen/guidance"] == [3.0]
    assert values["/livegen/steps"] == [8]
    assert values["/livegen/hold"] == [0]
    assert values["/livegen/bpm"] == [124.0]
    assert values["/livegen/clock"] == ["internal"]
    assert values["/livegen/key_lock"] == [1]  # on by default

    tree = namespace(changed())
    got = {path: find(tree, path).get("VALUE") for path in ADDRESSES}  # type: ignore[union-attr]
    assert got["/livegen/prompt"] == ["acid", 0.7]  # the first of the mix
    assert got["/livegen/audio_prompt"] == ["/tmp/ref.wav", 0.4]
    assert got["/livegen/guidance"] == [7.5]
    assert got["/livegen/steps"] == [16]
    assert got["/livegen/seed"] == [42]
    assert got["/livegen/variation"] == [0.25]
    assert got["/livegen/hold"] == [1]
    assert got["/livegen/bpm"] == [128.5]
    assert got["/livegen/clock"] == ["midi"]
    assert got["/livegen/gain"] == [0.5]
    assert type(got["/livegen/steps"][0]) is int and type(got["/livegen/hold"][0]) is int


def test_nested_addresses_get_containers():
    spec = Address("/livegen/scene/recall", (Arg("n", "i", 0, 7),), cmd.Play, "recall a scene")
    tree = namespace(Session(), [ADDRESSES["/livegen/guidance"], spec])
    scene = find(tree, "/livegen/scene")
    assert scene is not None
    assert (scene["FULL_PATH"], scene["ACCESS"]) == ("/livegen/scene", 0)
    assert scene["CONTENTS"]["recall"]["FULL_PATH"] == "/livegen/scene/recall"
    assert scene["CONTENTS"]["recall"]["ACCESS"] == 2  # not a session field: write-only
    assert find(tree, "/livegen/scene/recall/x") is None


def test_queries_follow_the_proposal():
    s = changed()
    assert respond("/livegen/guidance?VALUE", s, INFO) == Response(200, {"VALUE": [7.5]})
    assert respond("/livegen/steps?RANGE", s, INFO) == Response(
        200, {"RANGE": [{"MIN": 1, "MAX": 64}]}
    )
    assert respond("/livegen/steps?TYPE", s, INFO) == Response(200, {"TYPE": "i"})
    assert respond("/livegen/steps?ACCESS", s, INFO) == Response(200, {"ACCESS": 3})
    assert respond("/livegen/guidance/?value", s, INFO) == Response(200, {"VALUE": [7.5]})
    assert respond("/livegen?TYPE", s, INFO) == Response(200, {})  # a container has no type
    assert respond("/livegen/clock?RANGE", s, INFO) == Response(200, {})  # any string
    none = Response(200, {"VALUE": ["", 0.0]})
    assert respond("/livegen/audio_prompt?VALUE", Session(), INFO) == none  # no audio prompt
    assert respond("/livegen/play?VALUE", s, INFO).status == 204  # write-only
    assert respond("/livegen/guidance?TAGS", s, INFO).status == 400  # not served
    assert respond("/livegen/guidance?NONSENSE", s, INFO).status == 400
    assert respond("/livegen/nothing", s, INFO).status == 404
    assert respond("/livegen/nothing?VALUE", s, INFO).status == 404
    assert respond("/anything?HOST_INFO", s, INFO) == Response(200, INFO)  # the path is irrelevant
    assert respond("/", s, INFO) == Response(200, namespace(s))


# --- over HTTP ----------------------------------------------------------------------------------
def get(url: str) -> tuple[int, Any]:
    """(status, parsed JSON or text or None) for a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            data, status, kind = r.read(), r.status, r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        data, status, kind = e.read(), e.code, e.headers.get("Content-Type", "")
    if not data:
        return status, None
    return status, json.loads(data) if kind == "application/json" else data.decode().strip()


@pytest.fixture
def served():
    holder = SimpleNamespace(session=Session())
    server = OscQueryServer(lambda: holder.session, ("127.0.0.1", 9000), port=0, advertise=False)
    server.start()
    yield server, holder
    server.close()


def test_http_tree_node_value_host_info_and_errors(served):
    server, holder = served
    base = server.url.rstrip("/")
    assert server.address[0] == "127.0.0.1" and server.address[1] > 0
    assert get(base + "/") == (200, namespace(Session()))
    status, node = get(base + "/livegen/guidance")
    assert status == 200
    assert node == {
        "FULL_PATH": "/livegen/guidance",
        "TYPE": "f",
        "ACCESS": 3,
        "DESCRIPTION": ADDRESSES["/livegen/guidance"].description,
        "VALUE": [3.0],
        "RANGE": [{"MIN": 0.0, "MAX": 20.0}],
        "CLIPMODE": ["both"],
    }
    assert get(base + "/livegen/guidance?VALUE") == (200, {"VALUE": [3.0]})
    assert get(base + "/livegen/steps?VALUE#ignored") == (200, {"VALUE": [8]})
    assert get(base + "/?HOST_INFO") == (
        200,
        {"NAME": "livegen", "OSC_IP": "127.0.0.1", "OSC_PORT": 9000, "OSC_TRANSPORT": "UDP",
         "EXTENSIONS": EXTENSIONS},
    )  # fmt: skip
    assert EXTENSIONS["VALUE"] and EXTENSIONS["RANGE"] and not EXTENSIONS["LISTEN"]
    assert get(base + "/livegen/nope") == (404, "no OSC node at /livegen/nope")
    assert get(base + "/livegen/guidance?UNIT") == (400, "attribute UNIT is not supported")
    assert get(base + "/livegen/play?VALUE") == (204, None)

    holder.session = changed()  # what the controller does: one reference swap
    assert get(base + "/livegen/guidance?VALUE") == (200, {"VALUE": [7.5]})
    assert get(base + "/livegen/prompt?VALUE") == (200, {"VALUE": ["acid", 0.7]})


def test_http_headers_and_other_methods(served):
    server, _ = served
    with urllib.request.urlopen(server.url + "livegen/guidance", timeout=5) as r:
        assert r.headers["Content-Type"] == "application/json"
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert int(r.headers["Content-Length"]) == len(r.read())
    request = urllib.request.Request(server.url, data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=5)
    assert e.value.code == 501


def test_a_wildcard_osc_host_is_reported_as_the_address_the_client_reached():
    server = OscQueryServer(Session, ("0.0.0.0", 9100), "0.0.0.0", 0, advertise=False)
    server.start()
    try:
        status, info = get(f"http://127.0.0.1:{server.address[1]}/?HOST_INFO")
    finally:
        server.close()
    assert status == 200 and (info["OSC_IP"], info["OSC_PORT"]) == ("127.0.0.1", 9100)


def test_osc_allow_applies_to_http_too():
    server = OscQueryServer(Session, ("127.0.0.1", 9000), port=0, allow={"10.9.9.9"},
                            advertise=False)  # fmt: skip
    server.start()
    try:
        assert get(server.url + "?HOST_INFO") == (403, "not allowed (--osc-allow)")
    finally:
        server.close()


def test_a_port_in_use_is_one_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError) as e:
            OscQueryServer(Session, ("127.0.0.1", 9000), port=port, advertise=False)
    message = str(e.value)
    assert f"127.0.0.1:{port}" in message and "--oscquery-port" in message
    assert "\n" not in message
    with pytest.raises(OSError, match=r"cannot serve OSCQuery on 127\.0\.0\.1:70000"):
        OscQueryServer(Session, ("127.0.0.1", 9000), port=70000, advertise=False)


def test_close_without_start_returns():
    server = OscQueryServer(Session, ("127.0.0.1", 9000), port=0, advertise=False)
    t0 = time.monotonic()
    server.close()
    assert time.monotonic() - t0 < 1.0


# --- the serve options ---------------------------------------------------------------------------
def serve_args(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(["--source", "loops", "--quiet", *extra])


def fake_daemon(osc_port: int) -> Any:
    osc = SimpleNamespace(address=("127.0.0.1", osc_port), allow=None)
    desk = SimpleNamespace(view=lambda: {"bpm": 124.0, "clock": "internal"})
    return SimpleNamespace(
        osc=osc, controller=SimpleNamespace(session=Session(steps=12), desk=desk)
    )


def test_options_default_next_port_off_and_port_in_use():
    args = serve_args()
    assert (args.oscquery_port, args.no_oscquery) == (None, False)
    assert serve_args("--no-oscquery").no_oscquery
    assert serve.open_oscquery(serve_args("--no-oscquery"), fake_daemon(9000)) == (None, "")

    with socket.socket() as probe:  # a free TCP port q: OSC on q - 1 puts OSCQuery on q
        probe.bind(("127.0.0.1", 0))
        q = probe.getsockname()[1]
    server, error = serve.open_oscquery(serve_args("--osc-port", str(q - 1)), fake_daemon(q - 1))
    assert server is not None and error == ""
    try:
        assert server.address == ("127.0.0.1", q)
        assert get(server.url + "livegen/steps?VALUE") == (200, {"VALUE": [12]})
        assert get(server.url + "?HOST_INFO")[1]["OSC_PORT"] == q - 1
        # The same port again: OSCQuery is off with a reason, nothing raises.
        again, error = serve.open_oscquery(
            serve_args("--oscquery-port", str(q)), fake_daemon(q - 1)
        )
        assert again is None
        assert error.startswith(f"cannot serve OSCQuery on 127.0.0.1:{q} (")
    finally:
        server.close()


# --- through the controller: a UDP datagram in, a new VALUE out ---------------------------------
def test_an_osc_command_changes_the_served_value():
    osc = OscServer("127.0.0.1", 0)
    osc.start()
    clock = InternalClock("124", time.monotonic, playing=False)
    controller = Controller(Session(), SharedClock(clock), ConceptWorker(None), osc)
    query = OscQueryServer(lambda: controller.session, osc.address, port=0, advertise=False)
    query.start()
    try:
        url = query.url + "livegen/guidance?VALUE"
        assert get(url) == (200, {"VALUE": [3.0]})
        assert get(query.url + "?HOST_INFO")[1]["OSC_PORT"] == osc.address[1]
        SimpleUDPClient(*osc.address).send_message("/livegen/guidance", 7.25)
        SimpleUDPClient(*osc.address).send_message("/livegen/steps", 5)
        deadline = time.monotonic() + 5
        while controller.applied < 2 and time.monotonic() < deadline:
            osc.wake.wait(0.05)
            controller.step()
        assert get(url) == (200, {"VALUE": [7.25]})
        assert get(query.url + "livegen/steps")[1]["VALUE"] == [5]
    finally:
        query.close()
        osc.close()


# --- the whole daemon --------------------------------------------------------------------------
class Silence:
    """Test-only BarSource: a silent bar, rendered at once."""

    sample_rate = 24_000

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        return Rendered(np.zeros(bar_samples(spec.bpm), np.float32), 0.0)

    def warm_up(self) -> None:
        pass


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is not installed")
def test_the_running_daemon_serves_oscquery(jack_server):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = serve_args("--clock", "internal", "--osc-port", str(port), "--oscquery-port", "0")
    server = serve.start(args, source=Silence())  # type: ignore[arg-type]
    try:
        assert server.oscquery is not None and server.oscquery_error == ""
        base = server.oscquery.url
        status, info = get(base + "?HOST_INFO")
        assert status == 200 and (info["OSC_IP"], info["OSC_PORT"]) == ("127.0.0.1", port)
        assert get(base + "livegen/guidance?VALUE") == (200, {"VALUE": [3.0]})
        SimpleUDPClient("127.0.0.1", port).send_message("/livegen/guidance", 6.5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if get(base + "livegen/guidance?VALUE") == (200, {"VALUE": [6.5]}):
                break
            time.sleep(0.05)
        assert get(base + "livegen/guidance?VALUE") == (200, {"VALUE": [6.5]})
    finally:
        server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base, timeout=2)  # closed with the daemon


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is not installed")
def test_the_command_says_in_one_line_that_the_port_is_taken_and_plays_on(jack_server):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "livegen.live.serve", "--source", "loops", "--clock",
             "internal", "--osc-port", str(port), "--oscquery-port", str(busy), "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            lines: list[str] = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any("first bar" in x for x in lines):
                lines.append(proc.stdout.readline())
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=20)
        finally:
            reap(proc)
    assert proc.returncode == 0, "".join(lines) + out
    notes = [x.strip() for x in lines if "OSCQuery" in x]
    assert notes == [
        f"livegen serve: cannot serve OSCQuery on 127.0.0.1:{busy} (Address already in use); "
        "choose another --oscquery-port, or --no-oscquery; running without OSCQuery"
    ]
    assert any("first bar audible" in x for x in lines)
