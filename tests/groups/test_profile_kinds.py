"""One list of "je viens de…" kinds: a meeting registrant's kind is handed to the board's join as is."""

from __future__ import annotations

from workshop.boards.profiles import PROFILE_KINDS
from workshop.meetings.vocabulary import PROFILES


def test_a_registration_kind_is_a_board_profile_kind():
    # meetings.registration passes profile_kind to boards.service.join, whose clean_profile refuses unknown kinds:
    # a kind added on one side only would turn a checked-in person away from their board.
    assert list(PROFILES) == list(PROFILE_KINDS)
