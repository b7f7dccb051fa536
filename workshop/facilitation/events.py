"""Facilitation events on the board namespace, declared with `board_rule` (lock, broadcast and acks for free)."""

from __future__ import annotations

from flask import current_app

from workshop.boards import fanout
from workshop.boards import service as boards
from workshop.boards.events import _workshop_locks, board_rule, broadcast
from workshop.extensions import db, socketio
from workshop.facilitation import service

boards.CARD_GUARDS.append(service.card_guard)
fanout.BATCHED.update({"vote.cast", "vote.removed", "reaction.toggled"})  # storms of small events
boards.STATE_EXTENSIONS.append(service.facilitation_state)

board_rule("phase.set")(service.set_phase)
board_rule("board.lock")(service.set_locked)
board_rule("settings.update")(service.update_settings)
board_rule("participant.table")(service.set_table)
board_rule("cards.reveal")(service.reveal_cards)
board_rule("spotlight.set")(service.set_spotlight)
board_rule("vote.cast")(service.cast_vote)
board_rule("vote.remove")(service.remove_vote)
board_rule("votes.reveal")(service.reveal_votes)
board_rule("votes.reset")(service.reset_votes)
board_rule("reaction.toggle")(service.toggle_reaction)
board_rule("reply.add", rate_limited=True)(service.add_reply)
board_rule("reply.hide")(service.hide_reply)
board_rule("card.similar")(service.similar_cards)
board_rule("groups.suggest")(service.suggest_groups)
board_rule("format.save")(service.save_format)
board_rule("undo")(service.undo)


def _op_rule(op: str):
    def rule(session, participant, payload):
        return service.apply_op(session, participant, op, payload)

    return rule


for _op in service.OPS:
    if _op != "group.restore":  # only reachable through undo
        board_rule(_op)(_op_rule(_op))


def _timed(rule):
    """Run a timer rule, then schedule the end of the timer it left running."""

    def run(session, participant, payload):
        change = rule(session, participant, payload)
        schedule_timer_end(participant.workshop_id)
        return change

    return run


for _name, _rule in (("timer.start", service.start_timer), ("timer.pause", service.pause_timer),
                     ("timer.resume", service.resume_timer), ("timer.extend", service.extend_timer),
                     ("timer.stop", service.stop_timer)):
    board_rule(_name)(_timed(_rule))


def schedule_timer_end(workshop_id: int) -> None:
    """Announce the end of a running timer when it comes (the lock it may bring holds even without this)."""
    pending = service.timer_delay(db.session, workshop_id)
    if pending is None:
        return
    token, delay = pending
    socketio.start_background_task(_end_timer, current_app._get_current_object(), workshop_id, token, delay)


def _end_timer(app, workshop_id: int, token: int, delay: float) -> None:
    socketio.sleep(delay + 0.05)
    with app.app_context():
        try:
            with _workshop_locks[workshop_id]:
                change = service.expire_timer(db.session, workshop_id, token)
                if change.event:
                    broadcast(workshop_id, change.event)
        except Exception:
            app.logger.exception("timer end failed")
            db.session.rollback()
        finally:
            db.session.remove()
