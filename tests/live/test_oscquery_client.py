"""Issue #17 item 11: the OSCQuery tree as python-oscquery 0.4's client reads it
(`OSCPathNode.from_json`, stricter than the proposal: a node with ACCESS other than 0 and no
VALUE is refused, and the whole tree with it). Before: /livegen/audio_prompt, /scene and /morph
said ACCESS 3 with no VALUE, and argument-less /play, /stop, /status said ACCESS 2."""

from __future__ import annotations

import json
import urllib.request
from types import SimpleNamespace

import pytest

from livegen.control.keys import Key
from livegen.control.osc import ADDRESSES
from livegen.control.state import Scene, Session
from livegen.live.desk.oscquery import OscQueryServer

path_node = pytest.importorskip(
    "pythonoscquery.shared.osc_path_node", reason="python-oscquery (dev extra) is not installed"
)


def nodes(node):
    yield node
    for child in node.contents or ():
        yield from nodes(child)


@pytest.mark.parametrize(
    "session",
    [
        Session(),
        Session(audio_prompt=("/tmp/ref.wav", 0.5), scene=1, scenes=(Scene(), Scene())),
        Session(model_stems=("drums", "bass", "music"), model_keys=True, key=Key(5, "minor")),
    ],
)
def test_python_oscquery_reads_the_whole_tree_over_http(session):
    holder = SimpleNamespace(session=session)
    server = OscQueryServer(lambda: holder.session, ("127.0.0.1", 9000), port=0, advertise=False)
    server.start()
    try:
        with urllib.request.urlopen(server.url, timeout=5) as response:
            tree = json.loads(response.read())
    finally:
        server.close()
    root = path_node.OSCPathNode.from_json(tree)  # raised ValueError before
    found = {n.full_path: n for n in nodes(root)}
    assert set(ADDRESSES) <= set(found)
    access = {p: int(found[p].attributes[path_node.OSCQueryAttribute.ACCESS]) for p in ADDRESSES}
    assert access["/livegen/play"] == access["/livegen/stop"] == access["/livegen/status"] == 0
    assert access["/livegen/audio_prompt"] == access["/livegen/guidance"] == 3
    assert access["/livegen/scene"] == access["/livegen/morph"] == 2
    assert found["/livegen/audio_prompt"].attributes[path_node.OSCQueryAttribute.VALUE] == (
        list(session.audio_prompt) if session.audio_prompt else ["", 0.0]
    )
    value = path_node.OSCQueryAttribute.VALUE
    assert found["/livegen/key"].attributes[value] == ["none" if session.key is None else "F minor"]
    assert access["/livegen/key"] == 3
    assert access["/livegen/stem"] == access["/livegen/mute"] == access["/livegen/drop"] == 2
    assert found["/livegen/stem"].attributes[value] == ["drums", 0.0, 0]  # typed: s f i
