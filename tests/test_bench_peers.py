"""The side-by-side bench's peers (Scrumblr, Retrospected): skipped with a clear message when not installed, and
their Socket.IO framing (main namespace, no ack) read as the bench expects. No server, no network."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import board_fanout  # noqa: E402
import lean  # noqa: E402
import retro  # noqa: E402
import scrumblr  # noqa: E402


def test_missing_peers_are_skipped_with_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scrumblr, "DIR", tmp_path / "scrumblr")
    monkeypatch.setattr(retro, "DIR", tmp_path / "retro-board" / "backend")

    assert board_fanout.main(["--target", "scrumblr", "retro", "--participants", "10"]) == 0

    out = capsys.readouterr().out
    assert "scrumblr target skipped: Scrumblr is not installed" in out
    assert "bench/ext/scrumblr.sh" in out
    assert "retro target skipped: Retrospected is not installed" in out
    assert "bench/ext/retro.sh" in out
    assert "Passerelles runs with" not in out  # nothing was started


def _server_frame(text: bytes) -> bytes:
    assert len(text) < 126
    return bytes((0x81, len(text))) + text


def test_scrumblr_client_reads_main_namespace_frames():
    async def scenario():
        client = scrumblr.ScrumblrClient()
        client._handshake = None  # as after the HTTP upgrade
        sent = []
        client._write = lambda payload, opcode=1: sent.append(payload)
        joined = asyncio.ensure_future(client.send_and_wait(
            "message", {"action": "joinRoom", "data": "/b"}, scrumblr._message("roomAccept"), 1))
        await asyncio.sleep(0)
        client.feed(_server_frame(b'0{"sid":"x"}'))
        client.feed(_server_frame(b'42["message",{"action":"roomAccept","data":""}]'))
        await joined
        client.feed(_server_frame(b'42["message",{"action":"createCard","data":{"text":"r k @ 1.0","id":"k"}}]'))
        client.feed(_server_frame(b'42["message",{"action":"join-announce","data":{}}]'))
        return client, sent

    client, sent = asyncio.run(scenario())
    assert sent[0] == b'42["message",{"action":"joinRoom","data":"/b"}]'  # no namespace before the event
    assert b"40" in sent  # the main namespace is connected with a bare `40`
    assert [text for _at, _seq, text in client.card_events()] == ["r k @ 1.0"]
    assert client.other == 1  # the announce is counted, not kept
    assert lean.ns_prefix("/board") == b"/board," and lean.ns_prefix("/") == b""
