"""Socket.IO packets that learn whether they carry binary data by encoding it, and reuse the JSON of a value
that many answers carry (the cards of a board's shared state, see boards.statecache).

python-socketio walks every list and dict of a packet's data when the packet is made, to find bytes to send as
attachments, then encodes the data to JSON: the walk cost about as much as the encoding (~0.5 ms for the state
of a 50-card board, ~2 ms for 300 cards, on each join and resync). JSON refuses bytes anyway, so this packet
encodes first and walks only when JSON refused something; what goes on the wire is the same.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from socketio import packet

_BINARY = {packet.EVENT: packet.BINARY_EVENT, packet.ACK: packet.BINARY_ACK}
ENCODED_MAX = 256  # values whose JSON is kept, the oldest going first...
ENCODED_CHARS_MAX = 8_000_000  # ...and at most this much JSON in all (a 300-card state is ~100 kB)
_DEPTH = 3  # an answer's values are looked up this deep: [answer] > answer > state > its cards

_encoded: dict[int, tuple[Any, str]] = {}  # id -> (the value, kept alive so that its id is not reused; its JSON)
_encoded_chars = 0
_encoded_lock = threading.Lock()


def encode_once(value: Any) -> Any:
    """Keep the JSON of `value`, which many answers will carry and nobody changes any more: an answer holding
    this very object gets it spliced in instead of encoded again (a 300-card list was ~1 ms each time). The cache
    holds the value itself, so its id is not given to another object while its JSON is kept, and `_spliced` checks
    identity too: a later object at a reused address is encoded afresh (tests/test_packets.py)."""
    global _encoded_chars
    text = json.dumps(value, separators=(",", ":"))
    if len(text) > ENCODED_CHARS_MAX // 8:
        return value  # a huge state: encoded with each answer rather than crowding out the others
    with _encoded_lock:
        old = _encoded.pop(id(value), None)
        _encoded[id(value)] = (value, text)
        _encoded_chars += len(text) - (len(old[1]) if old else 0)
        while len(_encoded) > ENCODED_MAX or _encoded_chars > ENCODED_CHARS_MAX:
            _encoded_chars -= len(_encoded.pop(next(iter(_encoded)))[1])
    return value


def _spliced(value: Any, depth: int = 0) -> str | None:
    """JSON as json.dumps(value, separators=(",", ":")) writes it, with kept values spliced in down to _DEPTH
    (through dicts, and the data list itself); None when the value holds no kept value: most answers (a card's
    ack, a refusal) hold none and are then encoded at once, one json.dumps instead of one per key (~8 µs -> ~2 µs
    for a refusal). One walk finds the kept values and builds the JSON around them."""
    kept = _encoded.get(id(value))
    if kept is not None and kept[0] is value:
        return kept[1]
    if depth < _DEPTH and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        parts = [_spliced(v, depth + 1) for v in value.values()]
        if all(part is None for part in parts):
            return None
        return "{" + ",".join(f"{json.dumps(k)}:{_or_plain(part, v)}"
                              for (k, v), part in zip(value.items(), parts, strict=True)) + "}"
    if depth == 0 and isinstance(value, list):
        parts = [_spliced(v, 1) for v in value]
        if all(part is None for part in parts):
            return None
        return "[" + ",".join(_or_plain(part, v) for v, part in zip(value, parts, strict=True)) + "]"
    return None


def _or_plain(part: str | None, value: Any) -> str:
    return part if part is not None else json.dumps(value, separators=(",", ":"))


class JsonFirstPacket(packet.Packet):
    def __init__(self, packet_type=packet.EVENT, data=None, namespace=None, id=None,  # noqa: A002  (the parent's)
                 binary=None, encoded_packet=None):
        super().__init__(packet_type, data, namespace, id, binary=bool(binary), encoded_packet=encoded_packet)

    def encode(self):
        try:
            if self.packet_type == packet.ACK and self.data is not None and _encoded:
                return self._answer()
            return super().encode()
        except TypeError:
            if self.packet_type not in _BINARY or not self.data_is_binary(self.data):
                raise
            self.packet_type = _BINARY[self.packet_type]
            return super().encode()

    def _answer(self) -> str:
        """The parent's encoding of an ACK without attachments, with kept values spliced in."""
        encoded = str(self.packet_type)
        if self.namespace is not None and self.namespace != "/":
            encoded += self.namespace + ","
        if self.id is not None:
            encoded += str(self.id)
        return encoded + _or_plain(_spliced(self.data), self.data)
