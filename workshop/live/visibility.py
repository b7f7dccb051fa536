"""Visibility policies: the version of an event (or of a piece of state) one viewer may receive.

The log keeps every event whole; what leaves the server goes through the policy declared for its type. A policy
looks at the items an event carries under some keys (a dict, or a list of dicts) and applies rules in order; the
first rule that answers decides, so "hidden" wins over "private", which wins over "anonymous". Items carry their
author as `participant_id`: the author sees more of their own item (their private card, their dot). Fields only
moderators receive (a card's language) are left out of every other viewer's version before the rules run.

A rule may withhold an item altogether (None). In a list (a state's cards, a reveal) the item is left out; an
event that carries nothing else than withheld items reaches that viewer as a bare seq (`WITHHELD`, empty data):
the seq stays gapless, nothing else of it leaves the server. An ack carrying only withheld items is a not_found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Viewer:
    """Who receives: a participant (or a whole room when `participant_id` is None) and what they may see."""

    participant_id: int | None = None
    moderator: bool = False
    anonymous: bool = False  # the board hides authors from everyone but themselves
    # For replays: the ids of items hidden since their events were logged, by kind ("card", "reply"...).
    hidden_since: Mapping[str, frozenset[int]] = field(default_factory=dict)


# A rule gets (item, viewer, mine) and returns the item to show (possibly None), or NO to let the next rule speak.
NO = object()
WITHHELD = "withheld"  # the type of an event a viewer receives as a bare seq (see the module's docstring)
Rule = Callable[[dict, Viewer, bool], object]


def hidden_for_participants(kind: str, *kept: str) -> Rule:
    """Participants see only the `kept` keys of a hidden item (and that it is hidden); moderators see it all.
    An item of `kind` hidden after its event was logged is hidden in the replay too."""

    def rule(item: dict, viewer: Viewer, _mine: bool) -> object:
        hidden = item.get("hidden") or item.get("id") in viewer.hidden_since.get(kind, ())
        if viewer.moderator or not hidden:
            return NO
        return {**{k: item[k] for k in kept if k in item}, "hidden": True}

    return rule


def owner_only_until_reveal(*kept: str) -> Rule:
    """A private item shows its text to its author only; moderators also see who wrote it, unless anonymous."""

    def rule(item: dict, viewer: Viewer, mine: bool) -> object:
        if not item.get("private") or mine:
            return NO
        shown = {**{k: item[k] for k in kept if k in item}, "private": True, "hidden": item.get("hidden", False)}
        if item.get("pending"):  # moderators (the only others who get it) keep it in their inbox, unread
            shown["pending"] = True
        if viewer.moderator and not viewer.anonymous:
            shown.update(author=item.get("author"), participant_id=item.get("participant_id"))
        return shown

    return rule


def secret_until_revealed(item: dict, _viewer: Viewer, mine: bool) -> object:
    """Only its author sees the item (a dot), moderators included: results are revealed as a whole."""
    return NO if mine or item.get("participant_id") is None else None


def pending_for_author_and_moderators(item: dict, viewer: Viewer, mine: bool) -> object:
    """A pending item (moderated mode, not yet accepted) reaches its author and moderators only."""
    return None if item.get("pending") and not mine and not viewer.moderator else NO


def moderators_only(_item: dict, viewer: Viewer, _mine: bool) -> object:
    """Only moderators see the item (the room's balance of profiles); everyone else gets None."""
    return NO if viewer.moderator else None


def anonymous_author(item: dict, viewer: Viewer, mine: bool) -> object:
    """On an anonymous board nobody but the author learns who wrote an item."""
    if viewer.anonymous and not mine and item.get("participant_id") is not None:
        return {**item, "author": None, "participant_id": None}
    return NO


@dataclass(frozen=True)
class Policy:
    """Rules applied to the items under `keys` of an event's data."""

    keys: tuple[str, ...]
    rules: tuple[Rule, ...]
    moderator_fields: frozenset[str] = frozenset()

    def item(self, item: dict, viewer: Viewer) -> dict | None:
        mine = viewer.participant_id is not None and item.get("participant_id") == viewer.participant_id
        if not viewer.moderator and not self.moderator_fields.isdisjoint(item):
            item = {k: v for k, v in item.items() if k not in self.moderator_fields}
        for rule in self.rules:
            shown = rule(item, viewer, mine)
            if shown is not NO:
                return shown  # type: ignore[return-value]
        return item

    def items(self, items: Iterable[dict], viewer: Viewer) -> list:
        """The items this viewer may see, each as they may see it; withheld ones are left out."""
        return [shown for i in items if (shown := self.item(i, viewer)) is not None]

    def view(self, data: dict, viewer: Viewer) -> dict:
        """The event data as `viewer` may see it (the same object when nothing changes)."""
        changed = {}
        for key in self.keys:
            value = data.get(key)
            if isinstance(value, dict):
                shown = self.item(value, viewer)
            elif isinstance(value, list):
                shown = self.items(value, viewer)
                same = len(shown) == len(value) and all(a is b for a, b in zip(shown, value, strict=True))
                shown = value if same else shown
            else:
                continue
            if shown is not value:
                changed[key] = shown
        return {**data, **changed} if changed else data

    def withholds(self, data: dict, shown: dict) -> bool:
        """Whether `shown` (this policy's view of `data`) keeps nothing of it: every key of the data is one this
        policy looks at, it carried an item there, and the viewer may see none of them."""
        carried = [k for k in self.keys if isinstance(data.get(k), dict) or (isinstance(data.get(k), list)
                                                                            and data[k])]
        return bool(carried) and set(data) <= set(self.keys) and all(shown.get(k) in (None, []) for k in carried)

    def owner(self, data: dict) -> int | None:
        """The participant whose own item the event carries: their screens get their own version."""
        for key in self.keys:
            value = data.get(key)
            if isinstance(value, dict) and value.get("participant_id") is not None:
                return value["participant_id"]
        return None


def policy(*keys: str, rules: Iterable[Rule], moderator_fields: Iterable[str] = ()) -> Policy:
    return Policy(tuple(keys), tuple(rules), frozenset(moderator_fields))
