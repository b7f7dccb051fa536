"""What one participant's costly reads cost everyone else: a whole state is capped whatever the client asks, and
similar-card hints stay right while the board's cards are reused between calls and matched by pieces."""

from __future__ import annotations

import pytest

from tests.test_limits import logged_in_browser
from workshop.facilitation import similar


@pytest.mark.parametrize("app_config", [{"STATE_WHOLE_MAX_CARDS": 5, "STATE_PAGE_CARDS": 4,
                                                 "RESYNC_MAX_EVENTS": 3}])
def test_a_state_asked_whole_comes_capped_with_the_rest_in_pages(board_client, code):
    """A 6,000-card state asked whole, again and again, held every board: join and resync without `paged`
    now carry at most STATE_WHOLE_MAX_CARDS cards and the cursor of the rest, which the pages complete."""
    writer = board_client(code, "Auteur")
    cards = [writer.add_card(f"Idée {i}")["card"] for i in range(12)]
    reader = board_client(code, "Lecteur")
    for state in (reader.last_join["state"], reader.call("resync", {"since": 0})["state"]):
        assert [c["id"] for c in state["cards"]] == [c["id"] for c in cards[:5]]
        assert state["cards_next"] == cards[4]["id"]
        ids, after = [c["id"] for c in state["cards"]], state["cards_next"]
        while after is not None:
            page = reader.call("state.cards", {"after": after})
            assert page["ok"]
            ids, after = ids + [c["id"] for c in page["cards"]], page["next"]
        assert ids == [c["id"] for c in cards]


def test_similar_hints_follow_the_board_between_calls(app, board_client, code, facilitator, monkeypatch):
    """The board's cards are read once per seq and matched by pieces: a hint still finds the best card
    whichever piece holds it, and a card added, hidden or edited since the last hint is seen at once."""
    monkeypatch.setattr(similar, "MATCH_PIECE", 2)
    _browser, cookie = logged_in_browser(app, facilitator)
    host = board_client(code, cookie=cookie)
    for i in range(5):
        host.add_card(f"Autre sujet numéro {i} sans rapport")
    target = host.add_card("Les parents ne viennent pas aux réunions du soir")["card"]
    typist = board_client(code, "Saisie")

    def hints(text: str = "parents absents aux réunions du soir") -> list[int]:
        answer = typist.call("card.similar", {"text": text})
        assert answer["ok"]
        return [hint["id"] for hint in answer["similar"]]

    assert hints() == [target["id"]]
    late = host.add_card("Parents absents aux réunions du soir")["card"]  # a new card, after the first hint
    assert hints()[0] == late["id"] and target["id"] in hints()
    assert host.call("card.hide", {"id": late["id"], "hidden": True})["ok"]
    assert hints() == [target["id"]]
    assert host.call("card.update", {"id": target["id"], "text": "Salle trop petite"})["ok"]
    assert hints() == []
    assert hints("salle trop petite") == [target["id"]]
