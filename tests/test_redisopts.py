"""The one outage state machine of the Redis clients (rate limits, message queue, board events)."""

from __future__ import annotations

import logging

from workshop import redisopts


def test_an_outage_is_logged_once_skips_redis_for_a_while_and_its_end_is_logged(monkeypatch, caplog):
    clock = [100.0]
    monkeypatch.setattr(redisopts.time, "monotonic", lambda: clock[0])
    outage = redisopts.Outage(logging.getLogger("test.outage"), "down (%s)", "back after %.1f s", retry_after=1.0)
    caplog.set_level(logging.WARNING, "test.outage")

    assert outage.usable() and not outage.succeeded()  # nothing to end, nothing logged
    for _ in range(3):
        outage.failed(ConnectionError("refused"))
    assert not outage.usable() and outage.down
    clock[0] += 1.0
    assert outage.usable()  # tried again after retry_after
    outage.failed(ConnectionError("refused"))
    assert not outage.usable()
    clock[0] += 1.5
    assert outage.succeeded() and not outage.down and outage.usable()
    assert [r.getMessage() for r in caplog.records] == ["down (ConnectionError)", "back after 2.5 s"]
