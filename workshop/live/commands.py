"""Board actions declared once, as commands; the registry is built in create_app from the installed domains.

    @command("vote.cast", allows=VOTE, emits=("vote.cast",), visibility=SECRET_VOTE, batched=True)
    def cast_vote(ctx: Context, payload: dict) -> dict | None: ...

The declaration says who may act (`moderator`, unless `shared_when(workshop)` opens it to participants), what
the board must allow for participants (`allows`: a phase action, or ANY_PHASE for "open and unlocked"), whether
a closed board refuses everyone (`open_only`), which rate limit counts it, and which events it may emit with
their visibility. The function gets a Context and the payload, changes state through the session, emits events
with `ctx.emit`, and returns what the ack adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from workshop.live.visibility import WITHHELD, Policy

ANY_PHASE = "*"  # `allows` value: the board must be open and unlocked for participants, whatever the phase
ATTRIBUTE = "live_command"


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable
    moderator: bool = False
    allows: str | None = None
    open_only: bool = False
    rate: str | None = None  # a config setting naming a rate limit, counted per participant and per socket;
    # its `<rate>_PER_ADDRESS` twin counts per address
    emits: tuple[str, ...] = ()
    visibility: Policy | None = None
    batched: bool = False  # storms of small events: coalesced into one message per screen
    system: bool = False  # run by the server (a timer), never by a client
    shared_when: Callable[[Any], bool] | None = None  # a moderator's command participants may use on such boards
    payload: bool = True  # False: the command reads nothing, a missing payload is fine
    # A server command the kernel runs when someone for whom this says True arrives on or leaves a board (its
    # payload: {"present": [participant ids on the board]}).
    on_presence: Callable[[Any], bool] | None = None
    # True: the command refuses (raises) only before it changes anything, and changes nothing when it emits
    # nothing; in a batch the kernel then runs it without a savepoint (two statements and the nested
    # transaction's bookkeeping fewer per command). A database error in it fails the whole batch.
    checks_first: bool = False
    # True: the command changes none of the board's own rows (the board, its columns, its steering), so that
    # those read for its batch may serve the next batch (live.kept); any other command makes the next one read
    # them again.
    keeps_board: bool = False


def command(name: str, *, moderator: bool = False, allows: str | None = None, open_only: bool = False,
            rate: str | None = None, emits: Iterable[str] = (), visibility: Policy | None = None,
            batched: bool = False, system: bool = False, shared_when: Callable[[Any], bool] | None = None,
            payload: bool = True, on_presence: Callable[[Any], bool] | None = None,
            checks_first: bool = False, keeps_board: bool = False) -> Callable:
    """Mark a function as the board action `name`; `Registry.build` collects it from its module."""

    def declare(function: Callable) -> Callable:
        setattr(function, ATTRIBUTE, Command(name, function, moderator, allows, open_only, rate, tuple(emits),
                                             visibility, batched, system or on_presence is not None,
                                             shared_when, payload, on_presence, checks_first, keeps_board))
        return function

    return declare


@dataclass(frozen=True)
class EventSpec:
    visibility: Policy | None
    batched: bool


class Registry:
    """Commands by name and, for every event type they emit, its visibility and batching."""

    def __init__(self, commands: Iterable[Command]):
        self.commands: dict[str, Command] = {}
        self.events: dict[str, EventSpec] = {}
        for cmd in commands:
            if cmd.name in self.commands:
                raise ValueError(f"board command declared twice: {cmd.name}")
            self.commands[cmd.name] = cmd
            for type_ in cmd.emits:
                spec = EventSpec(cmd.visibility, cmd.batched)
                if self.events.setdefault(type_, spec) != spec:
                    raise ValueError(f"event {type_} declared with two visibilities")

    @classmethod
    def build(cls, modules: Iterable[ModuleType]) -> Registry:
        """Collect the commands declared in these modules (the installed domains' command modules)."""
        found = {id(cmd): cmd for module in modules for value in vars(module).values()
                 if isinstance(cmd := getattr(value, ATTRIBUTE, None), Command)}  # imported elsewhere too: once
        return cls(found.values())

    @property
    def presence_commands(self) -> list[Command]:
        return [cmd for cmd in self.commands.values() if cmd.on_presence is not None]

    def client_command(self, name: str) -> Command | None:
        cmd = self.commands.get(name)
        return None if cmd is None or cmd.system else cmd

    def view(self, event: dict, viewer) -> dict:
        """The event as `viewer` may see it, through its type's policy."""
        spec = self.events.get(event["type"])
        if spec is None or spec.visibility is None:
            return event
        data = spec.visibility.view(event["data"], viewer)
        if data is event["data"]:
            return event
        if spec.visibility.withholds(event["data"], data):
            return {"seq": event["seq"], "type": WITHHELD, "data": {}}
        return {**event, "data": data}

    def owner(self, event: dict) -> int | None:
        spec = self.events.get(event["type"])
        return spec.visibility.owner(event["data"]) if spec and spec.visibility else None

    def batched(self, type_: str) -> bool:
        spec = self.events.get(type_)
        return bool(spec and spec.batched)
