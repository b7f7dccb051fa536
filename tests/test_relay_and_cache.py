"""Two rules found in review: the relay (what a process reads from the event log while Redis cannot carry
events) replays as `resync` does, so a card hidden since it was posted reaches no participant with its text; and
erasing a card's text from one board's log leaves every other board's shared state in place."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests.test_join_shared_state import _call, room  # noqa: F401  (the fixture)
from workshop.live import relay
from workshop.live.kernel import current_kernel

SECRET = "Le nom d'une famille du quartier"


def test_a_card_hidden_since_it_was_posted_is_relayed_to_participants_without_its_text(app, room):  # noqa: F811
    workshop, join = room
    _, host = join(join.owner)
    _, nadia = join("Nadia")
    posted = _call(nadia, "card.add", {"client_id": "r1", "column": "obstacle", "text": SECRET})
    _call(host, "card.hide", {"id": posted["card"]["id"]})
    with app.app_context():
        items = relay.missed(workshop["id"], 0)
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items) and len(items) >= 2
    assert SECRET in json.dumps([i["m"] for i in items], ensure_ascii=False)  # the facilitator still reads it
    assert SECRET not in json.dumps([i["p"] for i in items], ensure_ascii=False)


def test_deleting_a_card_on_one_board_keeps_the_other_boards_shared_states(app, room, make_workshop):  # noqa: F811
    workshop, join = room
    other = make_workshop(join.owner, title="Un autre atelier")
    _, nadia = join("Nadia")
    card = _call(nadia, "card.add", {"client_id": "d1", "column": "obstacle", "text": "Les horaires"})["card"]
    with app.app_context():
        cache = current_kernel().host.shared_states
        board = SimpleNamespace(id=other["id"], code=other["code"])  # what a key reads of a board
        before = cache.key(board, 0)
        _call(nadia, "card.delete", {"id": card["id"]})  # erases the text from this board's log, in bulk
        assert cache.key(board, 0) == before
