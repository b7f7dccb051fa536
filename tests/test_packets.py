"""The JSON kept by encode_once (live/packets.py) is spliced into an answer only for the very object it was made
from: an object made later at the same address (CPython reuses the ids of freed objects) is encoded afresh, so no
screen ever gets another board's, or an older, state."""

from __future__ import annotations

import json
from types import SimpleNamespace

from socketio import packet

from workshop.live import packets
from workshop.live.packets import JsonFirstPacket, encode_once


def _answer(data: list) -> tuple[str, str]:
    """(what the server sends, what python-socketio itself would send) for an ack carrying `data`."""
    return (JsonFirstPacket(packet.ACK, data=data, namespace="/board", id=7).encode(),
            packet.Packet(packet.ACK, data=data, namespace="/board", id=7).encode())


def test_a_kept_encoding_is_spliced_in_for_its_own_object(monkeypatch):
    monkeypatch.setattr(packets, "_encoded", {})
    cards = encode_once([{"id": 1, "text": "Les horaires"}])
    encoded = []  # what the answer had to encode itself

    def dumps(value, **options):
        encoded.append(value)
        return json.dumps(value, **options)

    monkeypatch.setattr(packets, "json", SimpleNamespace(dumps=dumps))
    sent, expected = _answer([{"ok": True, "state": {"cards": cards}}])
    assert sent == expected
    assert encoded and not any(value is cards for value in encoded)  # the cards spliced in, not encoded again


def test_an_object_made_where_a_forgotten_one_was_gets_its_own_json(monkeypatch):
    monkeypatch.setattr(packets, "_encoded", {})
    monkeypatch.setattr(packets, "_encoded_chars", 0)
    monkeypatch.setattr(packets, "ENCODED_MAX", 2)  # every kept value is forgotten two values later
    reused = 0
    for i in range(300):
        old = [{"id": i, "text": f"Ancien {i}"}]
        old_id = id(encode_once(old))
        del old  # the cache's reference is the last: freed when it is forgotten
        encode_once([{"n": i}])
        encode_once([{"n": -i}])
        fresh = [{"id": i, "text": f"Nouveau {i}"}]
        reused += id(fresh) == old_id
        sent, expected = _answer([{"ok": True, "state": {"cards": fresh}}])
        assert sent == expected, i
    assert reused  # the case this guards happened (CPython hands freed addresses out again)
