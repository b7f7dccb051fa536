"""The one path of every live change: lock, seq, checks, the command, the log, one commit, broadcast, ack."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from workshop import ratelimit
from workshop.errors import Closed, Forbidden, NotFound, RateLimited, ValidationError
from workshop.extensions import db, socketio
from workshop.i18n import current_language, parsed_locale
from workshop.live import cluster, fanout, presence
from workshop.live.commands import ANY_PHASE, Command, Registry
from workshop.live.context import Batch, Context, Host, write_rows
from workshop.live.groupcommit import Job, Line
from workshop.live.kept import KeptBoards
from workshop.live.models import BoardEvent
from workshop.live.seqs import Seqs

log = logging.getLogger(__name__)
PRESENCE_DELAY = 0.5  # seconds: presence-watching commands run at most this often per board


@dataclass
class Outcome:
    """What a command did: the ack it answers and the events it logged (already broadcast)."""

    ack: dict
    events: list[dict] = field(default_factory=list)

    @property
    def event(self) -> dict | None:
        return self.events[-1] if self.events else None


class Kernel:
    def __init__(self, registry: Registry, host: Host):
        self.registry = registry
        self.host = host
        self._lines: dict[int, Line] = defaultdict(Line)  # each board's commands, run in batches (groupcommit)
        self._watch_lock = threading.Lock()
        self._watched: set[tuple[int, str]] = set()  # presence commands waiting to run, by board
        self._watch_runs = 0
        self._kept = KeptBoards(host)  # each board's own rows, from one batch to the next

    # --- running commands ---------------------------------------------------------------------------

    def perform(self, session: Session, participant_id: int, name: str, payload: Any = None, *, workshop_id: int,
                rate_limited: bool = True, origin: dict[str, str] | None = None) -> Outcome:
        """Run the client command `name` for a participant of board `workshop_id` (the socket front; scripts and
        tests, which may skip the rate limits made for people). `origin` ({"socket": sid, "address": ip}) is
        counted by the command's rate limit as well as the participant: re-joining under a new name gets round
        nothing. The participant is given by id, whoever calls: the batch that runs the command reads it with the
        others of the batch, in one query (erased meanwhile: not found)."""
        if isinstance(participant_id, bool) or not isinstance(participant_id, int):
            raise TypeError("perform takes a participant's id (and its board's as workshop_id)")
        session = _plain(session)
        cmd = self.registry.client_command(name)
        if cmd is None:
            raise ValidationError(_("Action inconnue."))
        if cmd.rate and rate_limited and not ratelimit.hit_all(cmd.rate, {"participant": participant_id,
                                                                          **(origin or {})}):
            raise rate_refusal(cmd.rate)  # before any other work: a flood is refused at the cost of counting it
        language = current_language() if has_request_context() else None
        ctx = Context(session, None, workshop_id, False, self.host, emits=cmd.emits, kernel=self,
                      seat=participant_id, language=language)
        return self._locked(ctx, cmd, _mapping({} if payload is None and not cmd.payload else payload))

    def perform_system(self, session: Session, workshop_id: int, name: str, payload: dict) -> Outcome:
        """Run a server-side command (a timer running out) on one board, through the same path."""
        session = _plain(session)
        cmd = self.registry.commands[name]
        ctx = Context(session, None, workshop_id, True, self.host, emits=cmd.emits, kernel=self)
        return self._locked(ctx, cmd, payload)

    def presence_changed(self, workshop_id: int, participant: Any) -> None:
        """Someone arrived on or left a board: run the commands that watch presence for such a participant, once
        per PRESENCE_DELAY whatever the number of arrivals (a join storm logs a few events, not one per person),
        off the request; a failure there is logged, never felt by the person joining or leaving."""
        self._watch(current_app._get_current_object(), workshop_id,
                    [cmd for cmd in self.registry.presence_commands if cmd.on_presence(participant)])

    def presence_lost(self, app: Flask, workshop_id: int) -> None:
        """Screens left a board without a word (their process died): run every presence-watching command."""
        self._watch(app, workshop_id, self.registry.presence_commands)

    def _watch(self, app: Flask, workshop_id: int, commands: list[Command]) -> None:
        for cmd in commands:
            with self._watch_lock:
                if (workshop_id, cmd.name) in self._watched:
                    continue
                self._watched.add((workshop_id, cmd.name))
            socketio.start_background_task(self._run_watch, app, workshop_id, cmd.name)

    @property
    def watching(self) -> bool:
        """Whether presence-watching commands are waiting to run (tests wait for them before moving on)."""
        with self._watch_lock:
            return bool(self._watched) or self._watch_runs > 0

    def _run_watch(self, app: Flask, workshop_id: int, name: str) -> None:
        socketio.sleep(PRESENCE_DELAY)
        with self._watch_lock:
            self._watched.discard((workshop_id, name))  # an arrival from now on schedules another run
            self._watch_runs += 1
        try:
            self._run_system(app, workshop_id, name, {"present": presence.participant_ids(workshop_id)})
        finally:
            with self._watch_lock:
                self._watch_runs -= 1

    def later(self, delay: float, workshop_id: int, name: str, payload: dict) -> None:
        """Run a server-side command in `delay` seconds, off the request."""
        socketio.start_background_task(self._run_later, current_app._get_current_object(), delay, workshop_id,
                                       name, payload)

    def _run_later(self, app: Flask, delay: float, workshop_id: int, name: str, payload: dict) -> None:
        socketio.sleep(delay)
        self._run_system(app, workshop_id, name, payload)

    def _run_system(self, app: Flask, workshop_id: int, name: str, payload: dict) -> None:
        """Run a server-side command off any request; a failure is logged, never felt by whoever caused it."""
        with app.app_context():
            try:
                self.perform_system(db.session, workshop_id, name, payload)
            except Exception:
                log.exception("%s failed on board %s", name, workshop_id)
            finally:
                db.session.remove()

    def _locked(self, ctx: Context, cmd: Command, payload: dict) -> Outcome:
        """Run the command in the board's next batch (groupcommit.py): alone when the board is quiet."""
        job = self._lines[ctx.workshop_id].run(Job((ctx, cmd, payload), by=ctx.seat), self._batch,
                                               lambda: _let_go(ctx), partial(fanout.pace, ctx.workshop_id))
        if ctx.session.expire_on_commit:
            ctx.session.expire_all()  # a long-lived session (a script, a test) reads fresh state next
        if job.error is not None:
            raise job.error
        outcome, done = job.outcome
        for action in done.after:
            action()
        return outcome

    def held(self, workshop_id: int) -> AbstractContextManager[None]:
        """The board's commands wait meanwhile, as behind a running command."""
        return self._lines[workshop_id].held()

    def waiting(self, workshop_id: int) -> int:
        """How many of the board's commands wait to run."""
        return self._lines[workshop_id].waiting

    def _batch(self, jobs: list[Job], leader: Job) -> None:
        """Run a board's waiting commands in the leader's session and one transaction, each in a savepoint;
        commit once; broadcast the events in seq order. Sets each job's outcome or error; raises when the
        transaction itself fails."""
        session, workshop_id = leader.run[0].session, leader.run[0].workshop_id
        expire, session.expire_on_commit = session.expire_on_commit, False  # the broadcast reads what was loaded
        ran: list[tuple[Job, Context]] = []
        keeps = all(job.run[1].keeps_board for job in jobs)
        try:
            seats = {job.run[0].seat for job in jobs} - {None}
            people = self.host.participants(session, seats) if seats else {}
            seqs = Seqs(self.host, session, workshop_id)
            shared, rows = Batch(), []
            if keeps:
                shared.loader = lambda: self._kept.board(session, workshop_id, seqs.opened)
            for job in jobs:
                shared.payloads.setdefault(job.run[1].name, []).append(job.run[2])
            for job in jobs:
                ctx, cmd, payload = job.run
                ctx = ctx if ctx.session is session else ctx.rebased(session)
                ctx.seqs, ctx.batch = seqs, shared
                if cmd.checks_first:
                    ctx.rows = rows  # its log rows go with the batch's, in one statement before the commit
                else:
                    write_rows(session, rows)  # a command that may read the log sees all of it
                ran.append((job, ctx))
                mark, logged = seqs.mark(), len(rows)
                bare = len(jobs) > 1 and cmd.checks_first  # run without a savepoint
                try:
                    with _speaking(ctx.language):
                        if ctx.seat is not None:
                            self._seat(ctx, people.get(ctx.seat))
                        job.outcome = (self._savepoint(ctx, cmd, payload, nested=len(jobs) > 1), ctx)
                except Exception as error:  # noqa: BLE001  (this command's answer; the others go on)
                    if bare and isinstance(error, SQLAlchemyError):
                        raise  # nothing undid what it may have half done: the whole batch fails
                    job.error = error
                    seqs.undo(mark, database=not bare)
                    del rows[logged:]
            write_rows(session, rows)
            taken, last = seqs.opened, seqs.last
            seqs.write()
            session.commit()
            if keeps:
                self._kept.committed(workshop_id, taken, last)
            else:
                self._kept.drop(workshop_id)
        except BaseException:
            self._kept.drop(workshop_id)
            session.rollback()
            raise
        finally:
            session.expire_on_commit = expire
        with fanout.together(workshop_id):
            for job, ctx in ran:
                for event in ctx.events:
                    try:
                        self._broadcast(ctx, event)
                    except Exception:  # committed all the same: a screen that misses it fills the hole (resync)
                        log.exception("broadcast of %s failed on board %s", event["type"], ctx.workshop_id)
                if ctx.refusal is not None:
                    job.error = ctx.refusal

    def _savepoint(self, ctx: Context, cmd: Command, payload: dict, *, nested: bool) -> Outcome:
        """One command of a batch, undone alone when it fails or logs nothing: in its own savepoint when others
        share the transaction (`nested`), else by rolling the transaction back (two statements fewer)."""
        session = ctx.session
        savepoint = session.begin_nested() if nested and not cmd.checks_first else None
        undo = savepoint.rollback if savepoint is not None else _nothing if nested else session.rollback
        try:
            if cmd.moderator and not ctx.moderator and not (cmd.shared_when and cmd.shared_when(ctx.workshop)):
                raise Forbidden(_("Seul·e l'animateur·rice peut faire cela."))
            mark = ctx.seqs.mark()
            if cmd.emits:
                ctx.seq, ctx.is_open = ctx.seqs.take()  # the board's row lock, for the first of a batch
            elif cmd.open_only or cmd.allows:
                ctx.is_open = ctx.workshop.is_open
            self._check(ctx, cmd)
            ack = dict(cmd.run(ctx, payload) or {})
            if cmd.visibility is not None and ctx.participant is not None:  # the ack is seen by its sender
                shown = cmd.visibility.view(ack, self.host.viewer(session, ctx.workshop, ctx.participant,
                                                                  moderator=ctx.moderator))
                if cmd.visibility.withholds(ack, shown):  # the sender may not know of it: as if absent
                    raise NotFound()
                ack = shown
            if cmd.emits and not ctx.events and ctx.refusal is None:
                undo()  # nothing changed: give the seq back
                ctx.seqs.undo(mark, database=undo is not _nothing)
            else:
                if cmd.emits and not ctx.events:
                    ctx.seqs.give_back()  # keep the clean-up, leave no hole
                if savepoint is not None:
                    savepoint.commit()
        except BaseException:
            if savepoint is None or savepoint.is_active:
                undo()
            raise
        if ctx.events:
            ack["seq"] = ctx.events[-1]["seq"]
        return Outcome(ack, ctx.events)

    def _seat(self, ctx: Context, person: Any) -> None:
        """The participant read for the batch (or, gone meanwhile, the answer that they are not found)."""
        if person is None or person.workshop_id != ctx.workshop_id:  # erased since the socket sat down
            raise NotFound(_("Participant·e introuvable : rejoignez à nouveau l'atelier."))
        ctx.participant, ctx.moderator = person, self.host.is_moderator(person)

    def _check(self, ctx: Context, cmd: Command) -> None:
        """A closed board refuses `open_only` commands; participants act only as the board allows."""
        if cmd.open_only and not ctx.is_open:
            raise Closed()
        if cmd.allows is None or ctx.moderator:
            return
        if not ctx.is_open:
            raise Closed()
        if ctx.steering.locked:
            raise Closed(_("Le tableau est verrouillé par l'animateur·rice."))
        phase = ctx.steering.phase
        if cmd.allows != ANY_PHASE and cmd.allows not in phase["allows"]:
            label = phase["label"]  # a built-in format's phase name is a catalog msgid: say it in the reader's words
            raise Closed(_("Ce n'est pas possible pendant la phase « %(p)s ».", p=_(label)))

    # --- delivery -----------------------------------------------------------------------------------

    def _broadcast(self, ctx: Context, event: dict) -> None:
        """Send each screen the version of an event it may see: moderators, participants, and its owner."""
        owner = self.registry.owner(event) or None
        shared = cluster.enabled()  # each process finds the owner's sockets itself (fanout.deliver)
        sids = presence.sids_of(ctx.workshop_id, owner) if owner and not shared else []
        item = self.views(ctx.session, ctx.workshop, event, own=bool(sids) or (owner is not None and shared))
        item.owner_sids = sids if item.own is not None else []  # an owner erased since: the room's view reaches them
        fanout.send(ctx.workshop_id, item, batched=self.registry.batched(event["type"]))

    def audiences(self, session: Session, workshop: Any, *, replay: bool = False) -> tuple[Any, Any]:
        """The viewers of a board's moderators and participants (read once for the events of a replay)."""
        return (self.host.viewer(session, workshop, None, moderator=True),
                self.host.viewer(session, workshop, None, moderator=False, replay=replay))

    def views(self, session: Session, workshop: Any, event: dict, *, replay: bool = False,
              audiences: tuple[Any, Any] | None = None, own: bool = True) -> fanout.Item:
        """An event as each kind of screen may see it: moderators, participants and, when `own` (its owner has
        screens), its owner. The one place that builds them, live (the kernel's broadcast) and replayed (the
        relay reads the log, `replay`: what was hidden since its event was logged stays hidden, as in
        `events_since`). An owner erased since gets no view of their own: the room's views reach them."""
        moderators, participants = audiences or self.audiences(session, workshop, replay=replay)
        view = self.registry.view
        item = fanout.Item(view(event, moderators), view(event, participants), owner=self.registry.owner(event) or None)
        if own and item.owner is not None:
            try:
                person = self.host.participant(session, item.owner)
            except NotFound:
                return item
            item.owner_is_moderator = self.host.is_moderator(person)
            item.own = view(event, self.host.viewer(session, workshop, person, moderator=item.owner_is_moderator,
                                                    replay=replay))
        return item

    def events_since(self, session: Session, participant: Any, since: Any, limit: int) -> list[dict] | None:
        """Events after `since`, as this viewer may see them; None when too far behind to replay."""
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise ValidationError(_("Numéro de séquence invalide."), field="since")
        workshop_id = participant.workshop_id
        if self.host.current_seq(session, workshop_id) - since > limit:
            return None
        rows = session.execute(select(BoardEvent.seq, BoardEvent.type, BoardEvent.payload)
                               .where(BoardEvent.workshop_id == workshop_id, BoardEvent.seq > since)
                               .order_by(BoardEvent.seq)).all()
        workshop = self.host.workshop(session, workshop_id)
        viewer = self.host.viewer(session, workshop, participant, moderator=self.host.is_moderator(participant),
                                  replay=True)
        return [self.registry.view({"seq": seq, "type": type_, "data": data}, viewer) for seq, type_, data in rows]

    def catch_up(self, session: Session, participant: Any, since: Any, *, paged: bool = False) -> dict:
        """The events after `since` when given and replayable, else the whole state; `paged`: the state holds
        the first page of cards and a `cards_next` cursor, the rest comes through `cards_page`."""
        seq = self.host.current_seq(session, participant.workshop_id)
        if since is not None:
            events = self.events_since(session, participant, since, current_app.config["RESYNC_MAX_EVENTS"])
            if events is not None:
                return {"events": events, "seq": max([seq, *(e["seq"] for e in events)])}
        workshop = self.host.workshop(session, participant.workshop_id)
        page = current_app.config["STATE_PAGE_CARDS"] if paged else None
        return {"state": self.host.state(session, workshop, participant, page=page or None,
                                         most=current_app.config["STATE_WHOLE_MAX_CARDS"] or None, seq=seq),
                "seq": seq}

    def cards_page(self, session: Session, participant: Any, after: Any) -> dict:
        """The next page of a paged state's cards, after the cursor `after`, as this viewer may see them."""
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
            raise ValidationError(_("Curseur de page invalide."), field="after")
        workshop = self.host.workshop(session, participant.workshop_id)
        cards, after = self.host.cards_page(session, workshop, participant, after=after,
                                            limit=current_app.config["STATE_PAGE_CARDS"] or None)
        return {"cards": cards, "next": after, "seq": self.host.current_seq(session, participant.workshop_id)}


def rate_refusal(rate: str) -> RateLimited:
    """The answer to a command over its rate limit `rate` (the socket front may give it before the kernel)."""
    if rate == "CARD_RATE":
        return RateLimited(_("Doucement : vous avez posté beaucoup de post-it d'un coup. Attendez quelques secondes."))
    return RateLimited(_("Doucement : trop d'actions d'un coup. Attendez quelques secondes."))


def _let_go(ctx: Context) -> None:
    """A command waits for the board's current batch: give its database connection back meanwhile, so that a
    storm does not drain the pool; what was loaded comes back attached as it was, without a query."""
    loaded = ctx.loaded()
    ctx.session.close()
    ctx.session.add_all(loaded)


def _nothing() -> None:
    """The undo of a `checks_first` command in a batch: it changed nothing when it refuses or emits nothing."""


def _speaking(language: str | None) -> AbstractContextManager:
    """A command of a batch in its sender's language: the batch runs in its leader's request, and a refusal's
    message is made where it is raised."""
    if language is None or language == current_language():
        return nullcontext()
    return force_locale(parsed_locale(language))


def _plain(session: Session | scoped_session) -> Session:
    """The session itself: the kernel sets per-command options on it."""
    return session() if isinstance(session, scoped_session) else session


def _mapping(payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError(_("Le message envoyé n'a pas la bonne forme."))
    return payload


def current_kernel() -> Kernel:
    """The application's kernel (built in create_app), for fronts that run board commands outside a socket."""
    return current_app.extensions["live"]
