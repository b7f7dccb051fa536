"""A participant sees, downloads and erases what they wrote, from their board token alone (RGPD)."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.board_helpers import board_state, events_since
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Card, Participant
from workshop.extensions import db
from workshop.facilitation.models import Reply
from workshop.live.models import BoardEvent
from workshop.practices.models import Practice
from workshop.practices.provenance import create_from_cards
from workshop.privacy.erasure import ERASED_NAME


def api(client, action: str, payload):
    response = client.post(f"/api/donnees-personnelles/{action}", json=payload,
                           headers={"Accept": "application/json"})
    return response.status_code, response.get_json()


def logged_text(workshop_id: int) -> str:
    return json.dumps([e.payload for e in db.session.scalars(
        select(BoardEvent).where(BoardEvent.workshop_id == workshop_id))], ensure_ascii=False)


def test_export_holds_my_cards_and_replies_and_nobody_elses(client, written):
    board = written()
    status, answer = api(client, "export", {"code": board.code, "token": board.nadia_token})
    assert status == 200 and answer["ok"]
    data = answer["data"]
    assert data["participant"]["name"] == "Nadia"
    assert [c["text"] for c in data["cards"]] == ["La famille Martin ne vient plus"]
    assert [r["text"] for r in data["replies"]] == ["Réponse de Nadia sur le café"]
    assert "Café des parents" not in json.dumps(data, ensure_ascii=False)
    assert "Karim" not in json.dumps(data, ensure_ascii=False)


def test_erase_removes_my_text_from_the_card_table_the_log_and_what_a_later_joiner_gets(client, session, written):
    board = written()
    status, answer = api(client, "effacer", {"code": board.code, "token": board.nadia_token})
    assert status == 200 and answer["ok"]
    assert answer["erased"]["cards"] == 1 and answer["erased"]["replies"] == 1
    db.session.expire_all()
    card = db.session.get(Card, board.nadia_card)
    assert card.deleted and card.text == ""
    assert db.session.get(Reply, board.nadia_reply) is None
    assert db.session.get(Participant, board.nadia_id).name == ERASED_NAME
    log = logged_text(board.workshop_id)
    assert "Martin" not in log and "Réponse de Nadia" not in log and "Nadia" not in log
    assert "Café des parents le jeudi" in log  # Karim's card stays
    erased = db.session.scalars(select(BoardEvent).where(BoardEvent.type == "privacy.erased")).one()
    assert erased.payload["cards"] == [board.nadia_card] and erased.payload["replies"] == [board.nadia_reply]
    # A later joiner's state and a replay from the start carry none of it.
    later = boards.join(session, {"code": board.code, "name": "Léa"}).participant
    session.commit()
    state = json.dumps(board_state(session, boards.get_workshop(session, board.workshop_id), later),
                       ensure_ascii=False)
    assert "Martin" not in state and "Réponse de Nadia" not in state and "Nadia" not in state
    assert "Café des parents le jeudi" in state
    replay = json.dumps(events_since(session, board.workshop_id, 0, later, 500), ensure_ascii=False)
    assert "Martin" not in replay and "Réponse de Nadia" not in replay and "Nadia" not in replay
    # The token now shows an empty, pseudonymised seat.
    status, answer = api(client, "export", {"code": board.code, "token": board.nadia_token})
    assert answer["data"]["cards"] == [] and answer["data"]["participant"]["name"] == ERASED_NAME


def test_a_token_opens_only_its_own_seat_on_its_own_workshop(client, written):
    board = written()
    other = written("Autre atelier")
    # Nadia's token on another workshop, a made-up token, an account's seat: nothing exported, nothing erased.
    for payload in ({"code": other.code, "token": board.nadia_token},
                    {"code": board.code, "token": other.karim_token},
                    {"code": board.code, "token": "x" * 32}):
        for action in ("export", "effacer"):
            status, answer = api(client, action, payload)
            assert status == 403, (action, payload)
            assert answer["error"]["code"] == "forbidden"
            assert answer["error"]["message"] == "Ce jeton ne correspond à aucune participation à cet atelier."
            assert "Martin" not in json.dumps(answer, ensure_ascii=False)
    db.session.expire_all()
    assert db.session.get(Card, board.nadia_card).text == "La famille Martin ne vient plus"
    assert db.session.get(Card, other.karim_card).text == "Café des parents le jeudi"


def test_hostile_payloads_are_refused_in_french_never_a_500(client, written):
    board = written()
    for payload in (None, [], "x", {"code": board.code}, {"code": board.code, "token": 7},
                    {"code": ["x"], "token": board.nadia_token}, {"code": "Z" * 5000, "token": "t"},
                    {"code": board.code, "token": "t" * 5000}, {"code": "NOPE-NOPE", "token": "abc"}):
        status, answer = api(client, "export", payload)
        assert status in (400, 404), (payload, status)
        assert answer["ok"] is False and answer["error"]["code"] in ("invalid", "not_found")
        assert answer["error"]["message"]


def test_the_page_of_my_contributions_and_the_board_link_to_it(client, written):
    board = written()
    html = client.get(f"/j/{board.code}").get_data(as_text=True)
    assert 'href="/donnees-personnelles/mes-contributions"' in html
    page = client.get("/donnees-personnelles/mes-contributions").get_data(as_text=True)
    assert 'src="/static/js/my-data.js"' in page and "Mes contributions" in page


def test_a_sheet_made_from_my_card_keeps_its_place_but_not_my_text_or_name_in_its_provenance(client, session,
                                                                                             written, facilitator):
    board = written()
    practice, _ids = create_from_cards(session, db.session.get(User, facilitator.id), board.workshop_id,
                                       [board.nadia_card, board.karim_card], "Fiche test")
    session.commit()
    assert api(client, "effacer", {"code": board.code, "token": board.nadia_token})[0] == 200
    db.session.expire_all()
    cards = {c["id"]: c for c in db.session.get(Practice, practice.id).provenance["cards"]}
    assert cards[board.nadia_card]["text"] == "" and cards[board.nadia_card]["author"] is None
    kept = cards[board.karim_card]
    assert kept["text"] == "Café des parents le jeudi" and kept["author"] == "Karim"
