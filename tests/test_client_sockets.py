"""The suite's own board clients leave no socket open behind them. A server that resets a connection (a process
killed while data waited in its buffer) leaves the client's socket open: neither websocket-client nor
python-engineio closes it. The garbage collector finds it later, and its ResourceWarning fails whichever test is
running then (CI once failed so, at the setup of an unrelated test, on a socket whose opener was not found)."""

from __future__ import annotations

import os
import signal

import pytest

from tests.realtime import wait_until
from tests.serverproc import ServerProcess, drop_database, join_board, new_database, prepare_database
from workshop.devserver import free_port

pytestmark = pytest.mark.slow


def test_a_phone_whose_server_reset_the_connection_closes_its_socket_when_it_leaves(tmp_path):
    url, pg_name = new_database(tmp_path)
    seeded = prepare_database(url)
    server = ServerProcess(free_port(), url, tmp_path / "server.log").start()
    try:
        phone = join_board(server, seeded.code, "Inès")
        sock = phone.client.eio.ws.sock
        # Stopped, the server reads nothing more: a card sent now waits in its buffer, so the kill resets the
        # connection (RST) instead of closing it.
        os.killpg(server.proc.pid, signal.SIGSTOP)
        phone.emit("card.add", {"client_id": "en-attente", "column": "obstacle", "text": "Jamais lue"})
        os.killpg(server.proc.pid, signal.SIGKILL)
        wait_until(lambda: not phone.connected, message="the phone to see its connection cut")
        assert sock.fileno() != -1  # what the libraries leave: the socket is still open
        phone.disconnect()
        assert sock.fileno() == -1
    finally:
        server.stop()
        drop_database(pg_name)
