"""Three server processes on one Redis and one database, 120 screens over them: every card once, in seq order,
with no resync, and the true presence on every screen; then one process SIGKILLed, and the same on the others."""

from __future__ import annotations

import asyncio

import pytest

from tests.cluster_harness import join_all, kill, problems, redis_server, start_servers, wait_for
from tests.serverproc import drop_database, new_database, prepare_database

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

SCREENS = 120
ROUNDS = 4  # each round, one card posted through every process at once


async def _post_rounds(posters, tag: str) -> set[str]:
    texts = set()
    for r in range(ROUNDS):
        batch = [f"{tag} {r}.{i}" for i in range(len(posters))]
        await asyncio.gather(*(p.add_card(t) for p, t in zip(posters, batch, strict=True)))
        texts.update(batch)
    return texts


async def _scenario(servers, code: str) -> None:
    screens = await join_all(servers, code, SCREENS)
    try:
        assert await wait_for(lambda: all(s.presence["count"] == SCREENS for s in screens), 5), \
            sorted({s.presence["count"] for s in screens})
        posters = screens[:len(servers)]  # screen i is on server i
        texts = await _post_rounds(posters, "Tous")
        assert await wait_for(lambda: not problems(screens, texts, SCREENS), 10), problems(screens, texts, SCREENS)
        assert sum(s.received_reorders for s in screens) == 0  # the server sends in seq order
        assert sum(s.resyncs for s in screens) == 0

        kill(servers[2])
        survivors = [s for i, s in enumerate(screens) if i % 3 != 2]
        # The dead process's screens leave everyone's presence within HOST_TTL_MS and a heartbeat.
        assert await wait_for(lambda: all(s.presence["count"] == len(survivors) for s in survivors), 3), \
            sorted({s.presence["count"] for s in survivors})
        texts |= await _post_rounds(posters[:2], "Survivants")
        assert await wait_for(lambda: not problems(survivors, texts, len(survivors)), 10), \
            problems(survivors, texts, len(survivors))
        assert sum(s.received_reorders for s in survivors) == 0
        assert sum(s.resyncs for s in survivors) == 0
    finally:
        await asyncio.gather(*(s.close() for s in screens))


def test_three_processes_deliver_in_order_and_share_presence_through_a_kill(tmp_path):
    try:
        redis = redis_server(tmp_path)
        redis_url = redis.__enter__()
    except RuntimeError as missing:
        pytest.skip(str(missing))
    url, pg_name = new_database(tmp_path)
    try:
        code = prepare_database(url).code
        servers = start_servers(3, url, tmp_path, redis_url)
        try:
            asyncio.run(_scenario(servers, code))
        finally:
            for server in servers:
                server.stop()
    finally:
        drop_database(pg_name)
        redis.__exit__(None, None, None)
