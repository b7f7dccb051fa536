"""The address a limit counts: an IPv4 address as it is, an IPv6 address by its /64 network.

One IPv6 subscriber (a phone, a home box) gets a whole /64 and can draw a new address from it for every request;
counted one by one, the per-address caps and rate limits would not hold. A /64 is what one subscriber holds, so
counting by it is the IPv6 equivalent of one IPv4 address behind a NAT.
"""

from __future__ import annotations

import ipaddress

from flask import request

UNKNOWN = "?"


def client_key(address: str | None) -> str:
    """The key per-address caps and rate limits count under."""
    if not address:
        return UNKNOWN
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return address[:64]  # a Unix socket or a name: counted as given, bounded
    if parsed.version == 6:
        if parsed.ipv4_mapped:  # ::ffff:203.0.113.5 is that IPv4 address
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def request_key() -> str:
    """The key of the address of the request (or Socket.IO event) being served. Every view, event and limit
    counts under it, so that a count shared between them (a wrong join code, on the page or on the board's
    socket) adds up under one key; an unknown address counts under UNKNOWN."""
    return client_key(request.remote_addr)
