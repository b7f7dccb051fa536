"""The board state built once per board version for participants who own nothing on it (boards.statecache): each
joiner gets exactly what was built for them alone, never someone else's own view or a hidden item, and what
changed since, through the board or outside it."""

from __future__ import annotations

import uuid

import pytest
from socketio import packet

from tests.board_helpers import act
from tests.conftest import PASSWORD
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.extensions import db, socketio
from workshop.live import packets
from workshop.live.kernel import current_kernel
from workshop.live.packets import JsonFirstPacket, encode_once
from workshop.privacy import people
from workshop.privacy.erasure import ERASED_NAME

SECRET = "Mon idée secrète"


def _state(session, workshop, viewer, **options) -> dict:
    kernel = current_kernel()
    state = kernel.host.state(session, workshop, viewer, **options)
    state["facilitation"].pop("server_time")  # the clock, read at each call
    return state


def test_each_participant_gets_exactly_their_own_state_whoever_came_first(session, make_user):
    """A silent-writing, anonymous board (metaplan) with a private card, a hidden one, a reply, reactions and dots
    (one person under two names): served from the shared build or not, every participant's state is the one
    built for them alone, whatever the order they come in."""
    user = db.session.get(User, make_user("facilitator").id)
    workshop = boards.create_workshop(session, user, "Atelier", format_key="metaplan")
    facilitator = boards.join(session, {"code": workshop.code}, user).participant

    def seat(name: str, person: str | None = None):
        return boards.join(session, {"code": workshop.code, "name": name}, person=person).participant

    alice, bob, carol, carol_again, dave = (seat("Alice"), seat("Bob"), seat("Carole", "device-carole"),
                                            seat("Caro", "device-carole"), seat("Dave"))
    session.commit()

    def card(who, text):
        return act(session, who, "card.add", {"client_id": uuid.uuid4().hex, "column": "ideas", "text": text}).card

    secret = card(alice, SECRET)  # silent writing: private to Alice until the reveal
    act(session, facilitator, "phase.set", {"phase": "name"})
    shown, hidden = card(facilitator, "Une idée pour tous"), card(facilitator, "Une idée retirée")
    act(session, facilitator, "card.hide", {"id": hidden["id"]})
    act(session, bob, "reply.add", {"card_id": shown["id"], "client_id": uuid.uuid4().hex, "text": "D'accord"})
    act(session, carol, "reaction.toggle", {"card_id": shown["id"], "kind": "same"})
    act(session, facilitator, "phase.set", {"phase": "vote"})
    act(session, carol, "vote.cast", {"kind": "card", "id": shown["id"]})
    seq = boards.current_seq(session, workshop.id)
    session.expire_all()
    workshop = session.get(Workshop, workshop.id)
    cache = current_kernel().host.shared_states

    # The authors first: were their own views kept, everyone after them would see them.
    order = (alice, facilitator, bob, dave, carol, carol_again)
    served = {who.id: _state(session, workshop, who, seq=seq) for who in order}
    entry = cache.get(cache.key(workshop, seq, None), lambda: pytest.fail("built once, kept"))
    assert {alice.id, bob.id} <= entry.authors and not {carol.id, carol_again.id, dave.id} & entry.authors
    for who in order:
        assert served[who.id] == _state(session, workshop, who), who.name

    texts = {c["id"]: c.get("text") for c in served[dave.id]["cards"]}
    assert SECRET not in texts.values() and hidden["id"] not in texts and texts[shown["id"]] == "Une idée pour tous"
    assert [c["text"] for c in served[alice.id]["cards"] if c["id"] == secret["id"]] == [SECRET]
    dave_votes, carol_votes = (served[p.id]["facilitation"]["votes"] for p in (dave, carol_again))
    assert dave_votes["mine"] == [] and carol_votes["mine"] == [{"kind": "card", "target_id": shown["id"]}]
    assert served[carol.id]["facilitation"]["my_reactions"] == [[shown["id"], "same"]]
    assert served[dave.id]["facilitation"]["my_reactions"] == []
    assert served[dave.id]["facilitation"]["replies"][0]["author"] is None  # anonymous board: not Bob's name


def test_on_a_named_board_authors_of_visible_cards_share_the_built_state(session, make_user):
    """Only a pending card's author sees the board otherwise (their card): the author of a visible card is served
    what was built for everyone, and the pending card reaches nobody else."""
    user = db.session.get(User, make_user("facilitator").id)
    workshop = boards.create_workshop(session, user, "Atelier")
    facilitator = boards.join(session, {"code": workshop.code}, user).participant
    alice, bob, dave = (boards.join(session, {"code": workshop.code, "name": n}).participant
                        for n in ("Alice", "Bob", "Dave"))
    session.commit()

    def card(who, text):
        return act(session, who, "card.add", {"client_id": uuid.uuid4().hex, "column": "obstacle", "text": text})

    card(alice, "Les horaires")
    act(session, facilitator, "board.moderate", {"moderated": True})
    pending = card(bob, SECRET).card
    seq = boards.current_seq(session, workshop.id)
    session.expire_all()
    workshop = session.get(Workshop, workshop.id)
    served = {who.id: _state(session, workshop, who, seq=seq) for who in (bob, alice, dave)}
    cache = current_kernel().host.shared_states
    assert cache.get(cache.key(workshop, seq, None), lambda: pytest.fail("kept")).authors == {bob.id}
    for who in (bob, alice, dave):
        assert served[who.id] == _state(session, workshop, who), who.name
    assert [c["text"] for c in served[bob.id]["cards"]] == ["Les horaires", SECRET]
    assert [c["text"] for c in served[dave.id]["cards"]] == ["Les horaires"] == [
        c["text"] for c in served[alice.id]["cards"]] and pending["pending"] is True


@pytest.fixture
def room(app, make_user, make_workshop):
    """A board and a way to join it in-process: (workshop, join(name or user) -> the join's answer)."""
    owner = make_user("facilitator", name="Fanny Animatrice")
    workshop = make_workshop(owner)
    clients = []

    def join(who, **payload) -> tuple[dict, object]:
        browser = app.test_client()
        if isinstance(who, str):
            payload["name"] = who
        else:
            assert browser.post("/connexion", data={"email": who.email, "password": PASSWORD}).status_code == 302
        client = socketio.test_client(app, namespace="/board", flask_test_client=browser)
        clients.append(client)
        answer = client.emit("join", {"code": workshop["code"], **payload}, namespace="/board", callback=True)
        assert answer["ok"], answer
        return answer, client

    join.owner = owner
    yield workshop, join
    for client in clients:
        client.disconnect(namespace="/board")


def _call(client, name: str, payload: dict) -> dict:
    answer = client.emit(name, payload, namespace="/board", callback=True)
    assert answer["ok"], answer
    return answer


def test_a_joiner_after_a_change_sees_it_and_never_a_hidden_card(room):
    workshop, join = room
    _, host = join(join.owner)
    first = join("Nadia")[0]
    assert first["state"]["cards"] == []
    card = _call(host, "card.add", {"client_id": "c1", "column": "obstacle", "text": "Les horaires"})["card"]
    second = join("Karim")[0]
    assert [c["text"] for c in second["state"]["cards"]] == ["Les horaires"] and second["seq"] == first["seq"] + 1
    _call(host, "card.hide", {"id": card["id"]})
    third = join("Élodie")[0]
    assert third["state"]["cards"] == []  # a hidden card: nothing of it in a participant's state


def test_a_name_erased_outside_the_board_is_not_served_from_before(app, room, make_user):
    """Erasing an account renames its seats without any board event: a joiner right after gets the erased name,
    not the state built a moment before under the same seq."""
    workshop, join = room
    guest = make_user("facilitator", name="Invitée Nommée")
    _, seat = join(guest)  # another board's facilitator, a participant here
    _call(seat, "card.add", {"client_id": "g1", "column": "lever", "text": "Une piste"})
    before = join("Nadia")[0]
    assert [c["author"] for c in before["state"]["cards"]] == ["Invitée Nommée"]
    with app.test_request_context():
        people.erase_account(db.session, db.session.get(User, guest.id))
        db.session.commit()
    after = join("Karim")[0]
    assert after["seq"] == before["seq"]
    assert [c["author"] for c in after["state"]["cards"]] == [ERASED_NAME]


def test_packets_are_the_same_frames_as_python_socketio_makes():
    cards = encode_once([{"id": 1, "text": "Les horaires « é »", "tags": [None, 2.5, True], "n": {"1": 2}}])
    state = {"ok": True, "state": {"cards": cards, "n": {3: "x"}}, "events": [{"seq": 1}], "seq": 4}
    for type_, data in ((packet.ACK, [state]), (packet.ACK, [{"cards": cards}]), (packet.EVENT, ["event", state]),
                        (packet.ACK, [{"file": b"\x00\x01", "cards": cards}]),
                        (packet.EVENT, ["file", {"name": "a", "bytes": b"\x00\x01"}])):
        ours = JsonFirstPacket(type_, data=data, namespace="/board", id=7)
        stock = packet.Packet(type_, data=data, namespace="/board", id=7)
        assert ours.encode() == stock.encode() and ours.packet_type == stock.packet_type


def test_kept_json_stays_within_its_budget(monkeypatch):
    monkeypatch.setattr(packets, "ENCODED_CHARS_MAX", 2_000)
    lists = [encode_once([{"id": i, "text": "x" * 100}]) for i in range(40)]
    assert packets._encoded_chars <= 2_000 and len(packets._encoded) < 40
    for value in lists:  # kept or not, the frame is the same
        ours = JsonFirstPacket(packet.ACK, data=[{"cards": value}], namespace="/board", id=1)
        assert ours.encode() == packet.Packet(packet.ACK, data=[{"cards": value}], namespace="/board", id=1).encode()
