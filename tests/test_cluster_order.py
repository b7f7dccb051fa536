"""Seq order on each process (workshop/live/order.py), without Redis: what each process hands its screens; and the
presence versions of cluster.py."""

from __future__ import annotations

import threading
import time

import pytest

from workshop.live import cluster, order


@pytest.fixture
def delivered(app, monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(order, "deliver", lambda _w, items: seen.extend(i["seq"] for i in items))
    monkeypatch.setattr(order, "_boards", {})
    monkeypatch.setattr(order, "HOLD", 0.05)
    monkeypatch.setattr(order, "fill", None)  # no event log here: each test says what the log holds
    return seen


def _message(*seqs: int) -> dict:
    return {"w": 1, "items": [{"seq": s} for s in seqs]}


def test_an_event_published_early_by_another_process_waits_for_the_one_before(delivered):
    order.received(_message(7))
    order.received(_message(9))  # 8 was committed first, on a process that published it later
    assert delivered == [7]
    order.received(_message(8))
    assert delivered == [7, 8, 9]


def test_a_hole_that_stays_is_given_up_after_the_hold(delivered):
    order.received(_message(3))
    order.received(_message(5, 6))  # 4's process died between its commit and its publish
    deadline = time.monotonic() + 5
    while delivered != [3, 5, 6] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert delivered == [3, 5, 6]  # the browsers ask for 4 with `since`
    order.received(_message(4))
    assert delivered == [3, 5, 6, 4]  # late: handed on, the browser drops or places it


def test_a_hole_the_channel_leaves_is_read_from_the_log_before_anything_is_given_up(delivered, monkeypatch):
    """Right after Redis's return, a process that has not yet seen it back keeps its events local for up to a
    second: the others' channel never brings them. They were committed (a later seq is), so the log has them:
    read, they go out in seq order instead of after the events that followed them."""
    asked = []

    def log_read(workshop_id: int) -> None:
        asked.append(order.delivered_up_to(workshop_id))
        order.take(workshop_id, [{"seq": 4}, {"seq": 5}])  # the log holds every seq after the last delivered

    monkeypatch.setattr(order, "fill", log_read)
    monkeypatch.setattr(order, "HOLD", 1.0)
    order.received(_message(3))
    order.received(_message(5, 6))  # 4 was kept local by its process
    _wait_for(delivered, 6)
    assert delivered == [3, 4, 5, 6] and asked == [3]
    assert not order._boards[1].skipped  # nothing given up on


def test_a_hole_that_opens_while_another_was_watched_gets_its_own_read_of_the_log(delivered, monkeypatch):
    """The watcher of a board's holes started with the first one; a second hole, opened later, must be read from the
    log too, not given up on at the first hole's deadline."""
    asked = []

    def log_read(workshop_id: int) -> None:
        asked.append(order.delivered_up_to(workshop_id))
        order.take(workshop_id, [{"seq": 6}, {"seq": 7}])

    monkeypatch.setattr(order, "fill", log_read)
    monkeypatch.setattr(order, "HOLD", 1.0)
    order.received(_message(3))
    order.received(_message(5))  # a hole at 4...
    time.sleep(0.05)
    order.received(_message(4))  # ...filled by the channel before FILL
    time.sleep(0.25)
    order.received(_message(7))  # and a new hole at 6, past the first hole's FILL
    _wait_for(delivered, 7)
    assert delivered == [3, 4, 5, 6, 7] and asked == [5]
    assert not order._boards[1].skipped


def test_a_slow_event_log_does_not_hold_what_waits_past_its_deadline(delivered, monkeypatch):
    """The log read runs on its own: with the database slow (a full pool waits up to 30 s), a hole is still given
    up on at HOLD and what follows it reaches the screens."""
    released = threading.Event()
    monkeypatch.setattr(order, "fill", lambda _w: released.wait(10))
    monkeypatch.setattr(order, "FILL", 0.01)
    order.received(_message(3))
    order.received(_message(5))
    _wait_for(delivered, 5)
    given_up = list(delivered)
    released.set()
    assert given_up == [3, 5]


def test_a_failing_read_of_the_log_leaves_the_board_watched(delivered, monkeypatch):
    """A read of the log that raises is logged; the hole is given up on at HOLD, and later holes are too."""
    def broken(_w):
        raise RuntimeError("the log cannot be read")

    monkeypatch.setattr(order, "fill", broken)
    monkeypatch.setattr(order, "FILL", 0.01)
    order.received(_message(3))
    order.received(_message(5))
    _wait_for(delivered, 5)
    order.received(_message(7))
    _wait_for(delivered, 7)
    assert delivered == [3, 5, 7]


def _wait_for(delivered: list[int], last: int) -> None:
    deadline = time.monotonic() + 5
    while (not delivered or delivered[-1] != last) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_latest_hole_is_still_handed_on_late_after_many_holes(delivered):
    """Holes given up on are remembered up to a bound: the newest ones, whose events may still come, are kept.
    Beyond 10,000 remembered seqs, a new hole was forgotten at once and its late event never reached screens."""
    order.received(_message(1))
    order.received(_message(order.SKIPPED_MAX + 2))  # a long outage: seqs 2 to SKIPPED_MAX + 1 never came
    _wait_for(delivered, order.SKIPPED_MAX + 2)
    order.received(_message(order.SKIPPED_MAX + 4))  # then one more hole
    _wait_for(delivered, order.SKIPPED_MAX + 4)
    order.received(_message(order.SKIPPED_MAX + 3))  # its event comes late: handed on
    order.received(_message(2))  # the oldest hole's: forgotten (the screens asked for it with `since`)
    assert delivered == [1, order.SKIPPED_MAX + 2, order.SKIPPED_MAX + 4, order.SKIPPED_MAX + 3]
    assert len(order._boards[1].skipped) < order.SKIPPED_MAX  # bounded (2 and the late one are out)


def test_an_event_read_from_the_log_is_not_handed_on_again_when_the_channel_brings_it(delivered):
    """While Redis could not carry it, another process's event was read from the event log (relay.py); the
    channel bringing it afterwards must not show it twice, or out of order, on this process's screens."""
    order.received(_message(3))
    order.take(1, [{"seq": 4}, {"seq": 5}])
    order.received(_message(4))
    order.received(_message(6))
    assert delivered == [3, 4, 5, 6]


def test_a_board_is_behind_when_a_seq_logged_at_the_previous_look_has_not_come(delivered):
    """Another process committed 5 but could not publish it, and this one saw no outage of its own: one look at
    the log later, the board is read from the log."""
    order.received(_message(3))
    order.received(_message(4))
    assert order.behind({1: 5}) == []  # 5 may be on its way
    assert order.behind({1: 5}) == [1]  # a whole look later it is not
    order.take(1, [{"seq": 5}])
    assert order.behind({1: 5}) == []


def test_presence_versions_go_on_growing_after_redis_lost_them(tmp_path):
    """Screens keep the presence of the newest version they saw: after a Redis restart (nothing kept), versions
    starting again from 1 were older than what every screen held, and each later count was ignored."""
    import redis

    from tests.redisproc import RedisServer

    server = RedisServer(tmp_path).start()
    client = redis.Redis.from_url(server.url)

    def bump() -> int:
        pipe = client.pipeline()
        cluster.bump_version(pipe, cluster.presence_key(1))
        return pipe.execute()[-1]

    try:
        before = [bump() for _ in range(3)]
        server.stop()
        server.start()
        assert before == sorted(set(before)) and bump() > before[-1]
    finally:
        client.close()
        server.close()
