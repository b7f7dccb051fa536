"""Socket.IO packets that learn whether they carry binary data by encoding it.

python-socketio walks every list and dict of a packet's data when the packet is made, to find bytes to send as
attachments, then encodes the data to JSON: the walk cost about as much as the encoding (~0.5 ms for the state
of a 50-card board, ~2 ms for 300 cards, on each join and resync). JSON refuses bytes anyway, so this packet encodes
first and walks only when JSON refused something; what goes on the wire is the same.
"""

from __future__ import annotations

from socketio import packet

_BINARY = {packet.EVENT: packet.BINARY_EVENT, packet.ACK: packet.BINARY_ACK}


class JsonFirstPacket(packet.Packet):
    def __init__(self, packet_type=packet.EVENT, data=None, namespace=None, id=None,  # noqa: A002  (the parent's)
                 binary=None, encoded_packet=None):
        super().__init__(packet_type, data, namespace, id, binary=bool(binary), encoded_packet=encoded_packet)

    def encode(self):
        try:
            return super().encode()
        except TypeError:
            if self.packet_type not in _BINARY or not self.data_is_binary(self.data):
                raise
            self.packet_type = _BINARY[self.packet_type]
            return super().encode()
