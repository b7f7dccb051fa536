"""Who is in the room, over real sockets: the join profile, the facilitator's live balance, and nothing of it
reaching participants."""

from __future__ import annotations

import json

import pytest

from tests.realtime import BoardClient, wait_until


@pytest.fixture
def host(board_client, code, facilitator, session_cookie) -> BoardClient:
    return board_client(code, cookie=session_cookie(facilitator))


def join(client: BoardClient, code: str, name: str, profile=None, **extra) -> dict:
    payload = {"code": code, "name": name, **extra}
    if profile is not None:
        payload["profile"] = profile
    return client.call("join", payload)


def leaks(client: BoardClient) -> str:
    """Everything a participant received, as text: profiles and balances must not be in it."""
    return json.dumps([client.last_join, client.events, client.presence], ensure_ascii=False)


@pytest.mark.parametrize("profile", [
    {"kind": "teacher"}, {"kind": 3}, "school", ["school"], {"kind": "school", "structure_id": "12"},
    {"kind": "school", "structure_id": True}, {"kind": "school", "structure_id": 999999},
    {"kind": "school", "extra": 1}, {"kind": "school", "structure_id": 2**40},
])
def test_a_bad_profile_is_refused_with_a_french_message_and_seats_nobody(board_client, code, host, profile):
    client = board_client()
    answer = join(client, code, "Nadia", profile)
    assert answer["ok"] is False and answer["error"]["code"] == "invalid"
    assert answer["error"]["field"] == "profile" and answer["error"]["message"].strip()
    assert host.wait_for_presence(lambda p: p["count"] == 1)["count"] == 1


def test_the_facilitator_alone_sees_the_balance_live(board_client, code, host, make_structure):
    school = make_structure("École Jean Jaurès", network="REP")
    centre = make_structure("Centre social Le Phare", kind="centre_social", network="FCS")
    assert host.last_join["state"]["balance"] == {}
    nadia = board_client()
    assert join(nadia, code, "Nadia", {"kind": "school", "structure_id": school})["ok"]
    karim = board_client()
    token = join(karim, code, "Karim", {"kind": "parent"})["participant"]["token"]
    assert host.wait_for(lambda c: c.events and c.events[-1]["data"]["balance"] == {"school": 1, "parent": 1})
    leila = board_client()
    assert join(leila, code, "Leïla", {"kind": "social_centre", "structure_id": centre})["ok"]
    event = host.wait_for(lambda c: c.events and c.events[-1]["data"]["balance"].get("social_centre"))
    last = host.events[-1]
    assert last["type"] == "balance.changed" and event
    assert last["data"] == {"balance": {"school": 1, "social_centre": 1, "parent": 1},
                            "networks": {"REP": 1, "FCS": 1}}

    # A re-join changes the profile; leaving takes the person out of the balance.
    assert join(karim, code, "Karim", {"kind": "association"}, token=token)["participant"]["name"] == "Karim"
    host.wait_for(lambda c: c.events[-1]["data"]["balance"].get("association") == 1)
    nadia.disconnect()
    host.wait_for(lambda c: "school" not in c.events[-1]["data"]["balance"])
    assert host.events[-1]["data"]["balance"] == {"social_centre": 1, "association": 1}

    # A moderator joining late gets the balance in the state; the resync replays it to moderators only.
    assert host.call("resync", {"since": 0})["events"][-1]["data"]["balance"] == host.events[-1]["data"]["balance"]
    karim.last_join = leila.last_join = None
    for participant in (karim, leila):
        participant.wait_for(lambda c: c.seqs and c.seqs[-1] == host.seqs[-1])
        # Nothing of the balance, not even the event's type: a bare seq keeps the participant's seqs gapless.
        assert all(e["type"] == "withheld" and e["data"] == {} for e in participant.events)
        replay = participant.call("resync", {"since": 0})
        text = leaks(participant) + json.dumps(replay)
        for secret in ("school", "social_centre", "association", "parent", "REP", "FCS", "profile",
                       "structure_id"):
            assert f'"{secret}"' not in text, secret
    for participant in (board_client(code, "Tardif"), board_client()):
        if participant.last_join is None:
            participant.join(code, "Marc")
        assert "balance" not in participant.last_join["state"] and "profile" not in leaks(participant)


def test_joins_without_a_profile_log_nothing(app, board_client, code, host):
    for name in ("Ana", "Bruno", "Chloé"):
        board_client(code, name)
    host.wait_for_presence(lambda p: p["count"] == 4)
    # A balance run would be scheduled by now (join schedules it before answering): let any run finish first,
    # else the marker could take seq 1 before a late balance event.
    wait_until(lambda: not app.extensions["live"].watching, timeout=5, message="the balance still to run")
    marker = board_client(code, "Dan").add_card("Marqueur")
    assert marker["seq"] == 1  # no balance event was logged before it


def test_a_leave_nothing_watches_reads_no_seat_and_a_watched_one_still_counts(app, board_client, code, host,
                                                                             monkeypatch):
    """A class leaving at the bell: each leave of a seat no presence-watching command cares about (no profile,
    so not in the balance) was read back from the database, 300 reads back to back holding every board; then
    each still pushed Flask's request context, a third of the leaves' CPU (bench/abuse.py --cases joins)."""
    from sqlalchemy import event

    from workshop.extensions import db

    karim, nadia = board_client(), board_client()
    assert join(karim, code, "Karim")["ok"]
    assert join(nadia, code, "Nadia", {"kind": "parent"})["ok"]
    host.wait_for(lambda c: c.events and c.events[-1]["data"]["balance"] == {"parent": 1})
    host.wait_for_presence(lambda p: p["count"] == 3)
    read: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "FROM participant" in statement:
            read.append(statement)

    with app.app_context():
        engine = db.engine
    pushed = []
    request_context = app.request_context
    monkeypatch.setattr(app, "request_context", lambda environ: pushed.append(1) or request_context(environ))
    event.listen(engine, "before_cursor_execute", note)
    try:
        karim.disconnect()
        host.wait_for_presence(lambda p: p["count"] == 2)
        assert read == [] and pushed == []
        nadia.disconnect()  # in the balance: her leave is read and the facilitator's balance follows
        host.wait_for(lambda c: c.events[-1]["data"]["balance"] == {})
        assert read and pushed
    finally:
        event.remove(engine, "before_cursor_execute", note)
