"""Every board command answers hostile payloads with a refusal a program can read (a DomainError: a stable code
and a French message), never another exception: the socket would answer `internal` and log a traceback."""

from __future__ import annotations

import random

import pytest

from tests.board_helpers import act
from workshop.errors import DomainError
from workshop.live.kernel import current_kernel

HOSTILE = [None, True, -1, 0, 2**31, 2**63, 2**70, 1e308, float("nan"), "", "\ud800", "a\x00b", "‮evil", "x" * 10_000,
           [], [1, 2], [2**63], ["1"], [[1]], {}, {"id": 1}]
FIELDS = ["id", "card_id", "group_id", "practice_id", "participant_id", "kind", "column", "key", "text", "name",
          "label", "label_en", "color", "prompt", "position", "phase", "locked", "hidden", "revealed", "seconds",
          "lock_on_end", "client_id", "card_ids", "group_ids", "title", "table", "tables", "vote_budget",
          "multi_dots", "everyone_groups", "anonymous", "moderated"]


def _payloads(rng: random.Random, per_field: int, mixed: int):
    """Each field alone with `per_field` hostile values, then `mixed` payloads of several hostile fields."""
    for field in FIELDS:
        yield from ({field: value} for value in rng.sample(HOSTILE, per_field))
    for _ in range(mixed):
        yield {field: rng.choice(HOSTILE) for field in rng.sample(FIELDS, rng.randint(2, 6))}
    yield from ("texte", 3, [], None)


# The facilitator's pass is the long one (every command accepts them): in four shares, so that the two test
# processes split it instead of one of them running it alone at the end.
@pytest.mark.parametrize("who, per_field, mixed, share, shares",
                         [*(("facilitator", 8, 40, n, 4) for n in range(4)), ("participant", 2, 40, 0, 1)])
def test_every_command_refuses_hostile_payloads_with_a_domain_error(board, session, who, per_field, mixed, share,
                                                                    shares):
    workshop, facilitator, (alice, *_) = board("world-cafe")
    act(session, alice, "card.add", {"client_id": "seed", "column": "round1", "text": "Une idée"})
    actor = facilitator if who == "facilitator" else alice
    commands = sorted(n for n, c in current_kernel().registry.commands.items() if not c.system)[share::shares]
    assert commands
    unexpected = []
    rng = random.Random(7)  # the same payloads every run: a failure can be replayed
    for name in commands:
        for payload in _payloads(rng, per_field, mixed):
            try:
                act(session, actor, name, payload)
            except DomainError:
                pass
            except Exception as error:  # noqa: BLE001 - that is what the test looks for
                session.rollback()
                unexpected.append((name, repr(payload)[:80], f"{type(error).__name__}: {str(error)[:120]}"))
    kinds = sorted({(name, error.split(':')[0]) for name, _payload, error in unexpected})
    assert unexpected == [], f"{len(unexpected)} unexpected errors: {kinds}; first: {unexpected[:3]}"
