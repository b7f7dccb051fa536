"""The Redis listener's order (workshop/live/cluster.py), without Redis: what each process hands its screens."""

from __future__ import annotations

import time

import pytest

from workshop.live import cluster


@pytest.fixture
def delivered(app, monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(cluster, "_deliver", lambda _w, items: seen.extend(i["seq"] for i in items))
    monkeypatch.setattr(cluster, "_boards", {})
    monkeypatch.setattr(cluster, "HOLD", 0.05)
    return seen


def _message(*seqs: int) -> dict:
    return {"w": 1, "items": [{"seq": s} for s in seqs]}


def test_an_event_published_early_by_another_process_waits_for_the_one_before(delivered):
    cluster._received(_message(7))
    cluster._received(_message(9))  # 8 was committed first, on a process that published it later
    assert delivered == [7]
    cluster._received(_message(8))
    assert delivered == [7, 8, 9]


def test_a_hole_that_stays_is_given_up_after_the_hold(delivered):
    cluster._received(_message(3))
    cluster._received(_message(5, 6))  # 4's process died between its commit and its publish
    deadline = time.monotonic() + 5
    while delivered != [3, 5, 6] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert delivered == [3, 5, 6]  # the browsers ask for 4 with `since`
    cluster._received(_message(4))
    assert delivered == [3, 5, 6, 4]  # late: handed on, the browser drops or places it
