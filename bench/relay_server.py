"""The bare relay: the baseline Passerelles' board is compared with (issue 12, point 5).

A Flask-SocketIO app on the same stack and gunicorn worker as ours (bench/common.relay_command), with nothing
of ours: on /board, `join` {code, name} joins the room of that code and answers {ok, participant: {id}, seq,
state: {cards}} (the cards it holds, as a real board sends its state); `card.add` gives the card the next seq
in memory (no database, no lock, no rate limit), emits `event` {seq, type: "card.added", data: {card}} to the
room, and answers {ok, card, seq}. One event per message: no coalescing.

    gunicorn -k gevent -w 1 --chdir bench relay_server:app
"""

from __future__ import annotations

import itertools
import os

from flask import Flask, request, session
from flask_socketio import SocketIO, join_room

NAMESPACE = "/board"

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "relay")
socketio = SocketIO(app, async_mode=os.environ.get("SOCKETIO_ASYNC_MODE", "gevent"))

_ids = itertools.count(1)
_boards: dict[str, dict] = {}


def _board(code: str) -> dict:
    return _boards.setdefault(code, {"seq": 0, "cards": []})


@app.get("/")
def index():
    return "relay"


@socketio.on("join", namespace=NAMESPACE)
def join(payload):
    code = str((payload or {}).get("code", ""))
    board = _board(code)
    join_room(code)
    session["code"] = code  # this socket's own session (Flask-SocketIO): its room for card.add
    return {"ok": True, "participant": {"id": next(_ids), "name": (payload or {}).get("name")},
            "seq": board["seq"], "state": {"cards": board["cards"]}}


@socketio.on("card.add", namespace=NAMESPACE)
def card_add(payload):
    payload = payload or {}
    code = session.get("code")
    if code is None:
        return {"ok": False, "error": {"code": "forbidden"}}
    board = _board(code)
    board["seq"] += 1
    card = {"id": next(_ids), "client_id": payload.get("client_id"), "column": payload.get("column"),
            "text": str(payload.get("text", ""))[:500], "author": request.sid}
    board["cards"].append(card)
    socketio.emit("event", {"seq": board["seq"], "type": "card.added", "data": {"card": card}}, to=code,
                  namespace=NAMESPACE)
    return {"ok": True, "card": card, "seq": board["seq"]}
