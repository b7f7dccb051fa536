"""Board rules (workshop.boards.service): codes, workshops, joining, cards and the event log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.board_helpers import act, board_state, events_since, view_event
from tests.conftest import PASSWORD
from workshop.accounts import service as accounts
from workshop.boards import service as boards
from workshop.boards.models import Card, Workshop
from workshop.errors import Closed, Forbidden, NotFound, ValidationError
from workshop.live.models import BoardEvent


@pytest.fixture
def facilitator(session):
    return accounts.create_user(session, "samia@exemple.fr", "Samia", "facilitator", PASSWORD)


@pytest.fixture
def workshop(session, facilitator):
    workshop = boards.create_workshop(session, facilitator, "Groupe de pairs", place="Centre social")
    session.commit()
    return workshop


def join(session, workshop, name, **extra):
    joined = boards.join(session, {"code": workshop.code, "name": name, **extra})
    session.commit()
    return joined


def card(session, participant, text="Les horaires ne collent pas", column="obstacle", client_id=None):
    payload = {"client_id": client_id or f"c{text.__hash__() & 0xFFFFFF:x}", "column": column, "text": text}
    return act(session, participant, "card.add", payload)


def log_seqs(session, workshop_id):
    return list(session.scalars(select(BoardEvent.seq).where(BoardEvent.workshop_id == workshop_id)
                                .order_by(BoardEvent.id)))


# --- Codes ----------------------------------------------------------------------------------------


def test_join_codes_avoid_look_alikes_and_are_long_and_varied():
    assert not set("0O1IL") & set(boards.CODE_ALPHABET)
    assert len(set(boards.CODE_ALPHABET)) >= 28
    codes = {boards.generate_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) >= 6
        assert set(code) <= set(boards.CODE_ALPHABET)


@pytest.mark.parametrize("typed", ["abcd-efgh", " ABCD EFGH ", "abcdefgh", "Abcd-Efgh\n"])
def test_normalise_code_accepts_what_people_type(typed):
    assert boards.normalise_code(typed) == "ABCDEFGH"


# --- Workshops ------------------------------------------------------------------------------------


def test_default_format_has_the_three_french_columns(session, workshop):
    assert workshop.is_open and workshop.format_key == "freins-leviers"
    assert [(c.key, c.label_fr) for c in workshop.columns] == [
        ("obstacle", "Freins"), ("lever", "Leviers"), ("method", "Manières de faire")]
    assert set(workshop.code) <= set(boards.CODE_ALPHABET)
    assert boards.get_by_code(session, workshop.code.lower()).id == workshop.id


def test_each_workshop_gets_its_own_code(session, facilitator):
    codes = {boards.create_workshop(session, facilitator, f"Atelier {i}").code for i in range(20)}
    assert len(codes) == 20


def test_only_facilitators_and_admins_create_workshops(session):
    member = accounts.create_user(session, "membre@exemple.fr", "Membre", "member", PASSWORD)
    with pytest.raises(Forbidden):
        boards.create_workshop(session, member, "Atelier")
    admin = accounts.create_user(session, "admin@exemple.fr", "Claire", "admin", PASSWORD)
    assert boards.create_workshop(session, admin, "Atelier").facilitator_id == admin.id


@pytest.mark.parametrize(("title", "options", "field"), [
    ("   ", {}, "title"),
    ("T" * 201, {}, "title"),
    ("Atelier", {"format_key": "inconnu"}, "format"),
    ("Atelier", {"place": "P" * 201}, "place"),
])
def test_bad_workshop_fields_are_refused(session, facilitator, title, options, field):
    with pytest.raises(ValidationError) as caught:
        boards.create_workshop(session, facilitator, title, **options)
    assert caught.value.field == field
    assert session.scalars(select(Workshop)).all() == []


def test_dashboard_lists_own_workshops_and_admin_sees_all(session, facilitator, workshop):
    other = accounts.create_user(session, "autre@exemple.fr", "Autre", "facilitator", PASSWORD)
    theirs = boards.create_workshop(session, other, "Autre atelier")
    admin = accounts.create_user(session, "admin@exemple.fr", "Claire", "admin", PASSWORD)
    assert [w.id for w in boards.workshops_for(session, facilitator)] == [workshop.id]
    assert {w.id for w in boards.workshops_for(session, admin)} == {workshop.id, theirs.id}


# --- Joining --------------------------------------------------------------------------------------


def test_join_by_name_then_back_by_token_as_the_same_person(session, workshop):
    first = join(session, workshop, "  Nadia ")
    assert first.participant.name == "Nadia"
    assert first.participant.role == "participant"
    assert first.token and len(first.token) >= 20
    back = boards.join(session, {"code": workshop.code.lower(), "token": first.token})
    assert back.participant.id == first.participant.id
    assert back.participant.name == "Nadia"
    # A token is not a password kept in clear.
    assert first.token not in back.participant.token_hash


def test_unknown_token_falls_back_to_the_name(session, workshop):
    joined = join(session, workshop, "Karim", token="jeton-inconnu")
    assert joined.participant.name == "Karim"
    assert joined.token != "jeton-inconnu"


def test_token_of_another_workshop_does_not_open_this_one(session, facilitator, workshop):
    other = boards.create_workshop(session, facilitator, "Autre")
    elsewhere = boards.join(session, {"code": other.code, "name": "Nadia"})
    here = join(session, workshop, "Nadia bis", token=elsewhere.token)
    assert here.participant.id != elsewhere.participant.id
    assert here.participant.workshop_id == workshop.id


@pytest.mark.parametrize("payload", [
    {"name": "Nadia"},
    "pas un objet",
    None,
])
def test_join_without_a_valid_code_is_refused(session, workshop, payload):
    with pytest.raises((NotFound, ValidationError)):
        boards.join(session, payload)


def test_join_unknown_code_says_so_in_french(session, workshop):
    with pytest.raises(NotFound) as caught:
        boards.join(session, {"code": "ZZZZZZZZ", "name": "Nadia"})
    assert "Aucun atelier" in caught.value.message


@pytest.mark.parametrize(("name", "field"), [("", "name"), ("   ", "name"), ("N" * 61, "name"), (42, "name")])
def test_join_needs_a_reasonable_name(session, workshop, name, field):
    with pytest.raises(ValidationError) as caught:
        join(session, workshop, name)
    assert caught.value.field == field


def test_join_with_an_account(session, facilitator, workshop):
    other = accounts.create_user(session, "autre@exemple.fr", "Autre Animatrice", "facilitator", PASSWORD)
    admin = accounts.create_user(session, "admin@exemple.fr", "Claire", "admin", PASSWORD)
    mine = boards.join(session, {"code": workshop.code}, facilitator)
    assert mine.participant.role == "facilitator" and mine.participant.name == "Samia"
    assert boards.join(session, {"code": workshop.code}, facilitator).participant.id == mine.participant.id
    assert boards.join(session, {"code": workshop.code}, other).participant.role == "participant"
    assert boards.join(session, {"code": workshop.code}, admin).participant.role == "facilitator"


# --- Cards and the event log ----------------------------------------------------------------------


def test_add_card_trims_and_records_one_event(session, workshop):
    nadia = join(session, workshop, "Nadia").participant
    change = act(session, nadia, "card.add", {"client_id": "abc-1", "column": "lever", "text": "  Un café  "})
    assert change.card["text"] == "Un café"
    assert change.card["column"] == "lever"
    assert change.card["client_id"] == "abc-1"
    assert change.card["author"] == "Nadia"
    # The logged event carries the card's language (moderators see it); the author's answer does not.
    assert change.event == {"seq": 1, "type": "card.added", "data": {"card": {**change.card, "language": "fr"}}}
    assert log_seqs(session, workshop.id) == [1]


def test_same_client_id_returns_the_same_card_and_records_nothing(session, workshop):
    nadia = join(session, workshop, "Nadia").participant
    first = act(session, nadia, "card.add", {"client_id": "abc-1", "column": "lever", "text": "Un café"})
    again = act(session, nadia, "card.add", {"client_id": "abc-1", "column": "lever", "text": "Un café"})
    assert again.card["id"] == first.card["id"]
    assert again.event is None
    assert log_seqs(session, workshop.id) == [1]
    assert len(session.scalars(select(Card)).all()) == 1


@pytest.mark.parametrize("length", [1, 500])
def test_card_text_of_1_to_500_characters_is_accepted(session, workshop, length):
    nadia = join(session, workshop, "Nadia").participant
    text = "é" * length
    change = act(session, nadia, "card.add", {"client_id": "x", "column": "obstacle", "text": f"  {text}\n"})
    assert change.card["text"] == text


@pytest.mark.parametrize(("payload", "field"), [
    ({"client_id": "x", "column": "obstacle", "text": ""}, "text"),
    ({"client_id": "x", "column": "obstacle", "text": "    "}, "text"),
    ({"client_id": "x", "column": "obstacle", "text": "a" * 501}, "text"),
    ({"client_id": "x", "column": "obstacle", "text": 12}, "text"),
    ({"client_id": "x", "column": "obstacle"}, "text"),
    ({"client_id": "x", "column": "ideas", "text": "ok"}, "column"),
    ({"client_id": "x", "column": ["obstacle"], "text": "ok"}, "column"),
    ({"column": "obstacle", "text": "ok"}, "client_id"),
    ({"client_id": "a b", "column": "obstacle", "text": "ok"}, "client_id"),
    ({"client_id": "x" * 65, "column": "obstacle", "text": "ok"}, "client_id"),
    ({"client_id": 5, "column": "obstacle", "text": "ok"}, "client_id"),
])
def test_bad_cards_are_refused_and_leave_no_trace(session, workshop, payload, field):
    nadia = join(session, workshop, "Nadia").participant
    with pytest.raises(ValidationError) as caught:
        act(session, nadia, "card.add", payload)
    assert caught.value.field == field
    assert caught.value.message
    assert log_seqs(session, workshop.id) == []
    assert session.scalars(select(Card)).all() == []


def test_every_change_gets_the_next_seq(session, facilitator, workshop):
    nadia = join(session, workshop, "Nadia").participant
    samia = boards.join(session, {"code": workshop.code}, facilitator).participant
    a = card(session, nadia, "Premier", client_id="a").card
    card(session, nadia, "Deuxième", client_id="b")
    act(session, nadia, "card.update", {"id": a["id"], "text": "Premier, corrigé"})
    act(session, samia, "card.hide", {"id": a["id"], "hidden": True})
    act(session, samia, "card.delete", {"id": a["id"]})
    act(session, samia, "workshop.close")
    assert log_seqs(session, workshop.id) == [1, 2, 3, 4, 5, 6]
    assert boards.current_seq(session, workshop.id) == 6
    types = [e["type"] for e in events_since(session, workshop.id, 0, samia, 100)]
    assert types == ["card.added", "card.added", "card.updated", "card.hidden", "card.deleted", "workshop.closed"]


def test_sequences_are_per_workshop(session, facilitator, workshop):
    other = boards.create_workshop(session, facilitator, "Autre")
    nadia = join(session, workshop, "Nadia").participant
    karim = boards.join(session, {"code": other.code, "name": "Karim"}).participant
    card(session, nadia, "Ici", client_id="a")
    assert card(session, karim, "Là", client_id="a").event["seq"] == 1
    assert card(session, nadia, "Encore", client_id="b").event["seq"] == 2


def test_events_since_replays_only_what_was_missed(session, workshop):
    nadia = join(session, workshop, "Nadia").participant
    for i in range(5):
        card(session, nadia, f"Post-it {i}", client_id=f"c{i}")
    missed = events_since(session, workshop.id, 2, nadia, 100)
    assert [e["seq"] for e in missed] == [3, 4, 5]
    assert [e["data"]["card"]["text"] for e in missed] == ["Post-it 2", "Post-it 3", "Post-it 4"]
    assert events_since(session, workshop.id, 5, nadia, 100) == []
    assert events_since(session, workshop.id, 0, nadia, 4) is None  # too far behind: send the state


@pytest.mark.parametrize("since", [-1, "3", 2.5, True, None, [1]])
def test_events_since_refuses_a_bad_since(session, workshop, since):
    nadia = join(session, workshop, "Nadia").participant
    with pytest.raises(ValidationError) as caught:
        events_since(session, workshop.id, since, nadia, 100)
    assert caught.value.field == "since"


def test_hidden_cards_are_redacted_for_participants_only(session, facilitator, workshop):
    nadia = join(session, workshop, "Nadia").participant
    samia = boards.join(session, {"code": workshop.code}, facilitator).participant
    secret = card(session, nadia, "Un nom de famille à ne pas afficher", client_id="s").card
    card(session, nadia, "Visible", client_id="v")
    hidden = act(session, samia, "card.hide", {"id": secret["id"], "hidden": True})
    assert hidden.card["hidden"] is True

    public = view_event(hidden.event)
    assert "text" not in public["data"]["card"] and "author" not in public["data"]["card"]

    replay = events_since(session, workshop.id, 0, nadia, 100)
    assert "Un nom de famille" not in repr(replay)
    assert "Un nom de famille" in repr(events_since(session, workshop.id, 0, samia, 100))

    seen_by_nadia = board_state(session, workshop, nadia)["cards"]
    assert [c["text"] for c in seen_by_nadia] == ["Visible"]
    seen_by_samia = {c["text"]: c["hidden"] for c in board_state(session, workshop, samia)["cards"]}
    assert seen_by_samia == {"Un nom de famille à ne pas afficher": True, "Visible": False}

    shown = act(session, samia, "card.hide", {"id": secret["id"], "hidden": False})
    assert shown.event["type"] == "card.shown"
    assert len(board_state(session, workshop, nadia)["cards"]) == 2


def test_participants_edit_only_their_own_cards(session, facilitator, workshop):
    nadia = join(session, workshop, "Nadia").participant
    karim = join(session, workshop, "Karim").participant
    samia = boards.join(session, {"code": workshop.code}, facilitator).participant
    mine = card(session, nadia, "À moi", client_id="m").card
    with pytest.raises(Forbidden):
        act(session, karim, "card.update", {"id": mine["id"], "text": "Piraté"})
    with pytest.raises(Forbidden):
        act(session, karim, "card.delete", {"id": mine["id"]})
    with pytest.raises(Forbidden):
        act(session, nadia, "card.hide", {"id": mine["id"], "hidden": True})
    with pytest.raises(Forbidden):
        act(session, nadia, "workshop.close")
    assert act(session, nadia, "card.update", {"id": mine["id"], "text": "À moi, corrigé"}).card["text"] == \
        "À moi, corrigé"
    assert act(session, samia, "card.delete", {"id": mine["id"]}).event["type"] == "card.deleted"
    with pytest.raises(NotFound):
        act(session, nadia, "card.update", {"id": mine["id"], "text": "Trop tard"})


def test_closed_workshop_takes_no_more_cards(session, facilitator, workshop):
    nadia = join(session, workshop, "Nadia").participant
    samia = boards.join(session, {"code": workshop.code}, facilitator).participant
    card(session, nadia, "Avant", client_id="a")
    act(session, samia, "workshop.close")
    with pytest.raises(Closed) as caught:
        card(session, nadia, "Après", client_id="b")
    assert "fermé" in caught.value.message
    assert boards.current_seq(session, workshop.id) == 2
    assert [c.text for c in session.scalars(select(Card))] == ["Avant"]
    act(session, samia, "workshop.reopen")
    assert card(session, nadia, "Rouvert", client_id="c").event["seq"] == 4
