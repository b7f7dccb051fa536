"""Rules of facilitation, at the service level: formats, phases, private writing, groups, votes, timer, undo."""

from __future__ import annotations

import threading

import pytest

from bench.join_queries import statements
from tests.board_helpers import act, board_state, expire_timer, view_event
from tests.realtime import wait_until
from workshop.boards import service as boards
from workshop.boards.models import Card, Participant
from workshop.errors import Closed, Forbidden, ValidationError
from workshop.extensions import db
from workshop.facilitation.models import BoardControl
from workshop.formats.builtin import FORMATS
from workshop.formats.models import CustomFormat
from workshop.live.context import Context
from workshop.live.kernel import current_kernel


def add(session, participant, text, column=None):
    column = column or boards.column_dicts(boards.get_workshop(session, participant.workshop_id))[0]["key"]
    return act(session, participant, "card.add", {"client_id": f"c{abs(hash((text, participant.id)))}",
                                                  "column": column, "text": text})


@pytest.mark.parametrize("key", ["freins-leviers", "metaplan", "co-developpement", "world-cafe", "afom",
                                 "analyse-de-pratiques"])
def test_every_format_has_columns_phases_and_defaults(board, session, key):
    fmt = FORMATS[key]
    assert fmt.columns and fmt.phases and fmt.defaults["vote_budget"] >= 1
    assert all(p.instructions and p.minutes > 0 for p in fmt.phases)
    workshop, facilitator, _people = board(key)
    state = board_state(session, workshop, facilitator)["facilitation"]
    assert state["phase"]["key"] == fmt.phases[0].key
    assert [p["key"] for p in state["phases"]] == [p.key for p in fmt.phases]
    assert [c["key"] for c in board_state(session, workshop, facilitator)["columns"]] == \
        [c.key for c in fmt.columns]


def test_freins_leviers_offers_resource_and_opportunity_columns(board, session):
    workshop, facilitator, _ = board()
    change = act(session, facilitator, "column.add", {"key": "opportunity"})
    assert [c["key"] for c in change.event["data"]["columns"]] == ["obstacle", "lever", "method", "opportunity"]
    assert change.event["data"]["columns"][-1]["label"] == "Opportunités"


def test_phase_change_is_an_event_and_participants_cannot_change_it(board, session):
    workshop, facilitator, (alice, *_) = board()
    with pytest.raises(Forbidden):
        act(session, alice, "phase.set", {"phase": "vote"})
    change = act(session, facilitator, "phase.set", {"phase": "vote"})
    assert change.event["type"] == "phase.changed" and change.event["data"]["phase"]["key"] == "vote"
    assert board_state(session, workshop, alice)["facilitation"]["phase"]["key"] == "vote"
    with pytest.raises(ValidationError):
        act(session, facilitator, "phase.set", {"phase": "nope"})


def test_no_new_cards_while_voting_but_the_facilitator_may(board, session):
    workshop, facilitator, (alice, *_) = board()
    act(session, facilitator, "phase.set", {"phase": "vote"})
    with pytest.raises(Closed):
        add(session, alice, "Un frein")
    assert add(session, facilitator, "Ajout de l'animatrice").event is not None


def test_private_writing_hides_text_from_others_until_reveal(board, session):
    workshop, facilitator, (alice, bob, _) = board("metaplan")
    card = add(session, alice, "Mon idée secrète").card
    assert card["private"] is True
    bob_view = board_state(session, workshop, bob)["cards"]
    assert bob_view == [{"id": card["id"], "client_id": card["client_id"], "column": "ideas", "private": True,
                         "hidden": False}]
    assert board_state(session, workshop, alice)["cards"][0]["text"] == "Mon idée secrète"
    facilitator_view = board_state(session, workshop, facilitator)["cards"][0]
    # The facilitator pre-reads silent writing (to prepare the clustering), but metaplan is anonymous: no author
    assert facilitator_view["text"] == "Mon idée secrète" and facilitator_view.get("author") is None
    change = act(session, facilitator, "cards.reveal")
    assert [c["text"] for c in change.event["data"]["cards"]] == ["Mon idée secrète"]
    revealed = board_state(session, workshop, bob)["cards"][0]
    assert revealed["text"] == "Mon idée secrète" and revealed["author"] is None


def test_facilitator_pre_reads_who_wrote_what_in_named_workshops(board, session):
    workshop, facilitator, (alice, *_) = board("afom")
    add(session, alice, "Atout caché")
    seen = board_state(session, workshop, facilitator)["cards"][0]
    assert seen["author"] == "P0" and seen["text"] == "Atout caché"  # pre-read before the reveal


def test_vote_budget_and_single_dot_per_card(board, session):
    workshop, facilitator, (alice, *_) = board()
    cards = [add(session, facilitator, f"Carte {i}").card for i in range(5)]
    with pytest.raises(Closed):
        act(session, alice, "vote.cast", {"kind": "card", "id": cards[0]["id"]})  # not a voting phase
    act(session, facilitator, "phase.set", {"phase": "vote"})
    for card in cards[:3]:
        assert act(session, alice, "vote.cast", {"kind": "card", "id": card["id"]}).extra["used"] >= 1
    with pytest.raises(ValidationError) as error:
        act(session, alice, "vote.cast", {"kind": "card", "id": cards[3]["id"]})
    assert error.value.field == "budget"
    act(session, alice, "vote.remove", {"kind": "card", "id": cards[0]["id"]})
    with pytest.raises(ValidationError):
        act(session, alice, "vote.cast", {"kind": "card", "id": cards[1]["id"]})  # one dot per card here
    act(session, alice, "vote.cast", {"kind": "card", "id": cards[4]["id"]})
    assert board_state(session, workshop, alice)["facilitation"]["votes"]["used"] == 3


def test_votes_are_secret_then_ranked_by_card_and_group(board, session):
    workshop, facilitator, people = board("metaplan")
    act(session, facilitator, "phase.set", {"phase": "cluster"})
    a, b, c = (add(session, facilitator, t).card for t in ("Parents", "Parents invités", "Locaux"))
    group = act(session, facilitator, "group.create",
                             {"card_ids": [a["id"], b["id"]], "name": "Les parents"}).event["data"]["group"]
    act(session, facilitator, "phase.set", {"phase": "vote"})
    change = act(session, people[0], "vote.cast", {"kind": "card", "id": c["id"]})
    assert view_event(change.event, viewer_id=people[1].id)["data"]["vote"] is None
    assert view_event(change.event, viewer_id=people[0].id)["data"]["vote"]["target_id"] == c["id"]
    for person in people:
        act(session, person, "vote.cast", {"kind": "card", "id": a["id"]})
        act(session, person, "vote.cast", {"kind": "group", "id": group["id"]})
    assert board_state(session, workshop, people[1])["facilitation"]["votes"]["results"] is None
    results = act(session, facilitator, "votes.reveal", {}).event["data"]["results"]
    assert results["cards"][0] == {"id": a["id"], "dots": 3}
    assert results["groups"] == [{"id": group["id"], "name": "Les parents", "kind": "group", "dots": 6}]
    with pytest.raises(Closed):
        act(session, people[1], "vote.cast", {"kind": "card", "id": c["id"]})


def test_group_merge_ungroup_and_undo(board, session):
    workshop, facilitator, (alice, *_) = board()
    a, b, c = (add(session, alice, t).card for t in ("Pas de local", "Manque de local", "Horaires"))
    with pytest.raises(Forbidden):
        act(session, alice, "group.create", {"card_ids": [a["id"], b["id"]]})
    merged = act(session, facilitator, "group.create",
                              {"card_ids": [a["id"], b["id"]], "kind": "merge"}).event["data"]["group"]
    assert merged["card_ids"] == [a["id"], b["id"]] and merged["kind"] == "merge"
    act(session, facilitator, "group.rename", {"id": merged["id"], "name": "Locaux"})
    moved = act(session, facilitator, "card.move", {"id": c["id"], "column": "lever", "position": 0})
    assert moved.event["data"]["column"] == "lever"
    act(session, facilitator, "group.delete", {"id": merged["id"]})
    groups = lambda: board_state(session, workshop, facilitator)["facilitation"]["groups"]  # noqa: E731
    assert groups() == []
    assert act(session, facilitator, "undo").event["type"] == "group.created"  # unmerge undone
    assert groups()[0]["name"] == "Locaux" and groups()[0]["card_ids"] == [a["id"], b["id"]]
    undone = act(session, facilitator, "undo").event
    assert undone["type"] == "card.moved" and undone["data"]["column"] == "obstacle" and undone["data"]["undo"]
    assert act(session, facilitator, "undo").event["data"]["group"]["name"] == ""
    act(session, facilitator, "undo")
    assert groups() == []
    with pytest.raises(ValidationError):
        act(session, facilitator, "undo")


def test_undo_keeps_at_least_twenty_moves(board, session):
    workshop, facilitator, _ = board()
    card = add(session, facilitator, "Carte").card
    for i in range(25):
        act(session, facilitator, "card.move",
                         {"id": card["id"], "column": ("lever", "method")[i % 2]})
    for _ in range(25):
        act(session, facilitator, "undo")
    assert session.get(Card, card["id"]).column_key == "obstacle"


def test_everyone_groups_setting_lets_participants_group_in_a_grouping_phase(board, session):
    workshop, facilitator, (alice, *_) = board(everyone_groups=True)
    a, b = (add(session, alice, t).card for t in ("Un", "Deux"))
    with pytest.raises(Closed):
        act(session, alice, "group.create", {"card_ids": [a["id"], b["id"]]})
    act(session, facilitator, "phase.set", {"phase": "cluster"})
    group = act(session, alice, "group.create", {"card_ids": [a["id"], b["id"]]})
    assert group.event["data"]["group"]["card_ids"] == [a["id"], b["id"]]
    with pytest.raises(Forbidden):
        act(session, alice, "group.delete", {"id": group.event["data"]["group"]["id"]})


def test_lock_blocks_participants_and_timer_lock_on_end(board, session):
    workshop, facilitator, (alice, *_) = board()
    act(session, facilitator, "board.lock", {"locked": True})
    with pytest.raises(Closed):
        add(session, alice, "Bloqué")
    act(session, facilitator, "board.lock", {"locked": False})
    add(session, alice, "Débloqué")
    act(session, facilitator, "timer.start", {"seconds": 60, "lock_on_end": True})
    ctrl = session.get(BoardControl, workshop.id)
    ctrl.timer_ends_at = boards.now()  # the bell rings, with or without a process to announce it
    session.commit()
    with pytest.raises(Closed):
        add(session, alice, "Trop tard")
    token = ctrl.timer_token
    ended = expire_timer(session, workshop.id, token)
    assert ended.event["type"] == "timer.ended" and ended.event["data"]["locked"] is True
    assert expire_timer(session, workshop.id, token).event is None  # announced once


def test_timer_pause_resume_extend_stop(board, session):
    workshop, facilitator, (alice, *_) = board()
    with pytest.raises(Forbidden):
        act(session, alice, "timer.start", {"seconds": 60})
    with pytest.raises(ValidationError):
        act(session, facilitator, "timer.start", {"seconds": "soixante"})
    started = act(session, facilitator, "timer.start", {"seconds": 300}).event["data"]["timer"]
    assert started["running"] and 299 <= started["remaining"] <= 300
    paused = act(session, facilitator, "timer.pause").event["data"]["timer"]
    assert paused["paused"] and not paused["running"]
    extended = act(session, facilitator, "timer.extend", {"seconds": 60}).event["data"]["timer"]
    assert extended["remaining"] == pytest.approx(paused["remaining"] + 60, abs=0.2)
    assert act(session, facilitator, "timer.resume").event["data"]["timer"]["running"]
    state = board_state(session, workshop, alice)["facilitation"]["timer"]
    assert 355 <= state["remaining"] <= 360
    assert act(session, facilitator, "timer.stop").event["data"]["timer"]["remaining"] == 0


def test_reactions_and_replies_with_hiding(board, session):
    workshop, facilitator, (alice, bob, _) = board()
    card = add(session, alice, "Une idée").card
    on = act(session, bob, "reaction.toggle", {"card_id": card["id"], "kind": "same"})
    assert on.event["data"]["counts"] == {"same": 1}
    off = act(session, bob, "reaction.toggle", {"card_id": card["id"], "kind": "same"})
    assert off.event["data"]["counts"] == {}
    with pytest.raises(ValidationError):
        act(session, bob, "reaction.toggle", {"card_id": card["id"], "kind": "<script>"})
    reply = act(session, bob, "reply.add", {"card_id": card["id"], "client_id": "r1", "text": "Pareil chez nous"})
    again = act(session, bob, "reply.add", {"card_id": card["id"], "client_id": "r1", "text": "Pareil chez nous"})
    assert again.event is None and again.extra["reply"]["id"] == reply.extra["reply"]["id"]
    with pytest.raises(ValidationError):
        act(session, bob, "reply.add", {"card_id": card["id"], "client_id": "r2", "text": "x" * 281})
    with pytest.raises(Forbidden):
        act(session, alice, "reply.hide", {"id": reply.extra["reply"]["id"]})
    hidden = act(session, facilitator, "reply.hide", {"id": reply.extra["reply"]["id"]}).event
    assert "text" not in view_event(hidden, viewer_id=alice.id)["data"]["reply"]
    assert "text" not in view_event(hidden, viewer_id=bob.id)["data"]["reply"]  # its author too
    assert view_event(hidden, moderator=True)["data"]["reply"]["text"] == "Pareil chez nous"
    replies = board_state(session, workshop, alice)["facilitation"]["replies"]
    assert replies == [{"id": reply.extra["reply"]["id"], "card_id": card["id"], "hidden": True}]


def test_similar_cards_ignore_others_private_cards(board, session):
    workshop, facilitator, (alice, bob, _) = board("metaplan")
    add(session, alice, "Manque de locaux pour se réunir")
    assert act(session, bob, "card.similar", {"text": "manque de locaux"}).extra["similar"] == []
    act(session, facilitator, "cards.reveal")
    similar = act(session, bob, "card.similar", {"text": "manque de locaux"}).extra["similar"]
    assert similar[0]["text"] == "Manque de locaux pour se réunir"
    add(session, bob, "On manque de locaux pour se réunir")
    act(session, facilitator, "cards.reveal")
    suggestions = act(session, facilitator, "groups.suggest").extra["suggestions"]
    assert len(suggestions) == 1 and len(suggestions[0]["card_ids"]) == 2


def test_column_rename_reorder_remove_and_save_as_format(board, session):
    workshop, facilitator, (alice, *_) = board()
    act(session, facilitator, "column.update", {"key": "method", "label": "Méthodes", "position": 0})
    keys = [c["key"] for c in boards.column_dicts(workshop)]
    assert keys == ["method", "obstacle", "lever"] and boards.column_dicts(workshop)[0]["label"] == "Méthodes"
    add(session, alice, "Carte", "lever")
    with pytest.raises(ValidationError):
        act(session, facilitator, "column.remove", {"key": "lever"})
    with pytest.raises(Forbidden):
        act(session, alice, "format.save", {"label": "Mon format"})
    saved = act(session, facilitator, "format.save", {"label": "Freins (3 colonnes revues)"}).extra["format"]
    custom = session.get(CustomFormat, saved["id"])
    assert [c["key"] for c in custom.data["columns"]] == ["method", "obstacle", "lever"]
    assert custom.data["phases"][0]["key"] == "write"


def test_settings_change_budget_and_dots_per_card_for_everyone(board, session):
    workshop, facilitator, (alice, *_) = board()
    card = add(session, facilitator, "Carte").card
    with pytest.raises(Forbidden):
        act(session, alice, "settings.update", {"vote_budget": 10})
    with pytest.raises(ValidationError):
        act(session, facilitator, "settings.update", {"vote_budget": 0})
    event = act(session, facilitator, "settings.update", {"vote_budget": 2, "multi_dots": True}).event
    assert event["data"]["settings"]["vote_budget"] == 2 and event["data"]["settings"]["multi_dots"] is True
    act(session, facilitator, "phase.set", {"phase": "vote"})
    act(session, alice, "vote.cast", {"kind": "card", "id": card["id"]})
    act(session, alice, "vote.cast", {"kind": "card", "id": card["id"]})  # two dots on one card, allowed now
    with pytest.raises(ValidationError):
        act(session, alice, "vote.cast", {"kind": "card", "id": card["id"]})
    assert board_state(session, workshop, alice)["facilitation"]["votes"]["budget"] == 2


def test_joining_reads_the_board_in_the_same_number_of_queries_whatever_the_number_of_groups(board, session):
    """A late arriver's state (cards, groups, votes, replies...) costs a fixed number of queries."""
    workshop, facilitator, (alice, *_) = board()
    add(session, alice, "Une idée seule")  # cards are read with their authors in one more query
    counts = {}
    for groups in (0, 5, 10, 20):
        while len(board_state(session, workshop, facilitator)["facilitation"]["groups"]) < groups:
            a, b = (add(session, alice, f"Idée {groups}-{len(counts)}-{i}").card for i in range(2))
            act(session, facilitator, "group.create", {"card_ids": [a["id"], b["id"]], "name": "G"})
        session.expire_all()
        counts[groups] = statements(session.get_bind(), lambda: current_kernel().catch_up(session, alice, None))
    assert len(set(counts.values())) == 1, counts


def test_the_facilitator_clears_the_spotlight_once(board, session):
    workshop, facilitator, (alice, *_) = board()
    card = add(session, alice, "À mettre en avant").card
    act(session, facilitator, "spotlight.set", {"kind": "card", "id": card["id"]})
    with pytest.raises(Forbidden):
        act(session, alice, "spotlight.clear")
    cleared = act(session, facilitator, "spotlight.clear").event
    assert cleared["type"] == "spotlight.changed" and cleared["data"] == {"spotlight": None}
    assert board_state(session, workshop, alice)["facilitation"]["spotlight"] is None
    assert act(session, facilitator, "spotlight.clear").event is None  # nothing in it: nothing logged


def test_a_command_queued_behind_another_on_the_board_keeps_what_it_had_read(board, session, app, monkeypatch):
    """While it waits for the board, a command gives its database connection back; what it had read (the
    board, for a participant's shared move) comes back attached, so the command still runs whole."""
    workshop, facilitator, (alice, *_) = board(everyone_groups=True)
    a, b = (add(session, alice, t).card for t in ("Un", "Deux"))
    act(session, facilitator, "phase.set", {"phase": "cluster"})
    kernel, waited, done = current_kernel(), [], {}
    original = Context.loaded

    def loaded(ctx):
        waited.append(ctx.workshop_id)
        return original(ctx)

    monkeypatch.setattr(Context, "loaded", loaded)

    def group_as_alice():
        with app.app_context():
            person = db.session.get(Participant, alice.id)
            done["ack"] = kernel.perform(db.session, person.id, "group.create", {"card_ids": [a["id"], b["id"]]},
                                         workshop_id=person.workshop_id).ack
            db.session.remove()

    with kernel.held(workshop.id):  # another command holds the board
        worker = threading.Thread(target=group_as_alice)
        worker.start()
        wait_until(lambda: waited, timeout=10, message="the command to queue")
    worker.join(timeout=10)
    assert waited == [workshop.id] and done["ack"]["seq"]
    assert board_state(session, workshop, alice)["facilitation"]["groups"][0]["card_ids"] == [a["id"], b["id"]]
