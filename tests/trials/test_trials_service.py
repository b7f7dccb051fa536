"""Trials as the service sees them: who records and who approves, what is counted (approved only), validation
with French messages and stable codes, privacy (export and erasure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.trials.conftest import trial_data
from workshop.accounts.models import User
from workshop.errors import Conflict, DomainError, Forbidden
from workshop.extensions import db
from workshop.practices import search
from workshop.trials import public, service
from workshop.trials.models import Trial


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield db.session


def user(u) -> User:
    return db.session.get(User, u.id)


def record(who, structure_id, sheet, **extra) -> Trial:
    trial = service.record(db.session, user(who), sheet, trial_data(structure_id, **extra))
    db.session.flush()
    return trial


def test_a_member_records_a_trial_that_stays_pending_and_uncounted(ctx, world):
    trial = record(world.member, world.centre, world.sheet)
    assert trial.status == "pending" and trial.author_name == "Member"
    assert public.counts(ctx) == {}
    assert public.quotes(ctx, world.sheet) == []
    assert public.map_geojson(ctx)["features"] == []


def test_only_a_coordinator_of_the_structures_network_or_an_admin_approves(ctx, world):
    trial = record(world.member, world.centre, world.sheet)
    for outsider in (world.member, world.other, world.coord_ef):  # coord_ef coordinates the other network
        with pytest.raises(Forbidden):
            service.decide(ctx, user(outsider), trial.id, True)
    assert service.pending_for(ctx, user(world.coord_ef)) == []
    assert [t.id for t in service.pending_for(ctx, user(world.coord_cs))] == [trial.id]
    service.decide(ctx, user(world.coord_cs), trial.id, True)
    assert trial.status == "approved"
    with pytest.raises(Conflict):
        service.decide(ctx, user(world.admin), trial.id, False, "Trop tard")
    school = record(world.member, world.school, world.sheet)
    service.decide(ctx, user(world.admin), school.id, True)
    assert school.status == "approved"


def test_counts_take_only_approved_trials_distinct_structures_and_communes(ctx, world):
    coord_cs, coord_ef = user(world.coord_cs), user(world.coord_ef)
    for structure, coordinator in ((world.centre, coord_cs), (world.centre2, coord_cs), (world.school, coord_ef),
                                   (world.centre, coord_cs)):
        service.decide(ctx, coordinator, record(world.member, structure, world.sheet).id, True)
    record(world.other, world.school, world.sheet)  # pending: not counted
    refused = record(world.other, world.centre2, world.sheet)
    service.decide(ctx, coord_cs, refused.id, False, "Ce n'est pas cette fiche.")
    assert public.counts(ctx) == {world.sheet: (3, 2)}  # 3 structures in Saint-Denis and Aubervilliers
    assert len(public.quotes(ctx, world.sheet)) == 4
    assert {f["properties"]["id"] for f in public.map_geojson(ctx)["features"]} == {
        world.centre, world.centre2, world.school}
    assert [t["practice_id"] for t in public.at_structure(ctx, world.school)] == [world.sheet]


def test_a_refusal_needs_a_reason_the_author_reads(ctx, world):
    trial = record(world.member, world.centre, world.sheet)
    with pytest.raises(DomainError) as caught:
        service.decide(ctx, user(world.coord_cs), trial.id, False, "   ")
    assert caught.value.code == "empty" and "Raison du refus" in caught.value.message
    service.decide(ctx, user(world.coord_cs), trial.id, False, "Cette structure n'a pas fait ce café.")
    assert trial.status == "refused" and trial.refusal == "Cette structure n'a pas fait ce café."


@pytest.mark.parametrize(("extra", "code", "field", "words"), [
    ({"structure_id": 999999}, "unknown_structure", "structure_id", "pas sur la carte"),
    ({"structure_id": "abc"}, "unknown_structure", "structure_id", "Choisissez la structure"),
    ({"structure_id": None}, "unknown_structure", "structure_id", "Choisissez la structure"),
    ({"tried_on": "2026-13-45"}, "bad_date", "tried_on", "date valide"),
    ({"tried_on": "demain"}, "bad_date", "tried_on", "date valide"),
    ({"tried_on": (date.today() + timedelta(days=1)).isoformat()}, "future_date", "tried_on", "futur"),
    ({"tried_on": "1890-01-01"}, "bad_date", "tried_on", "trop ancienne"),
    ({"recommend": "peut-être"}, "bad_recommendation", "recommend", "recommandez"),
    ({"changes": ""}, "empty", "changes", "est vide"),
    ({"changes": "\u200b\u200b"}, "empty", "changes", "est vide"),
    ({"changes": "x" * 2001}, "too_long", "changes", "trop long"),
    ({"with_whom": "y" * 201}, "too_long", "with_whom", "trop long"),
    ({"with_whom": "Mme X\nM. Y"}, "bad_text", "with_whom", "caractères invalides"),
    ({"adaptations": "a\u202eb"}, "bad_text", "adaptations", "caractères invalides"),
    ({"changes": "\ud800"}, "bad_text", "changes", "caractères invalides"),
])
def test_bad_input_is_refused_in_french_with_a_stable_code(ctx, world, extra, code, field, words):
    with pytest.raises(DomainError) as caught:
        service.record(db.session, user(world.member), world.sheet, {**trial_data(world.centre), **extra})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert words in caught.value.message


def test_a_hidden_structure_or_an_unpublished_sheet_cannot_be_tried(ctx, world):
    with pytest.raises(DomainError) as caught:
        record(world.member, world.hidden, world.sheet)
    assert caught.value.code == "unknown_structure"
    with pytest.raises(Forbidden):
        record(world.member, world.centre, world.draft)


def test_text_is_stored_as_typed_and_normalised(ctx, world):
    trial = record(world.member, world.centre, world.sheet, changes="  <b>Les parents</b> & « enfants » ",
                   with_whom="Cafe\u0301 des parents")
    assert trial.changes == "<b>Les parents</b> & « enfants »"  # stored as text, escaped when shown
    assert trial.with_whom == "Café des parents"  # NFC


def test_the_search_sorts_by_most_tried(ctx, world):
    other_sheet = world.draft
    from workshop.practices import reviews

    admin = user(world.admin)
    reviews.transition(ctx, admin, other_sheet, "submit")
    reviews.transition(ctx, admin, other_sheet, "publish")
    ctx.commit()
    recent = search.search(ctx, search.Query(sort="recent"))
    assert [h.practice.id for h in recent.hits] == [other_sheet, world.sheet]
    service.decide(ctx, user(world.coord_cs), record(world.member, world.centre, world.sheet).id, True)
    ctx.commit()
    tried = search.search(ctx, search.Query(sort="tried"))
    assert [h.practice.id for h in tried.hits] == [world.sheet, other_sheet]


def test_the_export_holds_the_authors_trials_and_erasure_removes_their_words(ctx, world):
    from workshop.privacy import exports, people

    approved = record(world.member, world.centre, world.sheet)
    service.decide(ctx, user(world.coord_cs), approved.id, True)
    pending = record(world.member, world.school, world.sheet, changes="Encore en attente")
    pending_id = pending.id
    exported = exports.export_account(ctx, user(world.member))["practice_trials"]
    assert [t["changes"] for t in exported] == ["Des parents qui n'entraient jamais sont venus.", "Encore en attente"]
    assert exports.export_account(ctx, user(world.other))["practice_trials"] == []
    people.erase_account(ctx, user(world.member), user(world.admin))
    ctx.commit()
    assert ctx.get(Trial, pending_id) is None
    kept = ctx.get(Trial, approved.id)
    assert (kept.changes, kept.with_whom, kept.adaptations, kept.author_name) == ("", "", "", "Compte effacé")
    assert public.counts(ctx) == {world.sheet: (1, 1)}  # still counted, without words
    assert public.quotes(ctx, world.sheet) == []


def test_without_script_a_typed_name_naming_one_structure_of_the_map_is_enough(ctx, world):
    trial = service.record(ctx, user(world.member), world.sheet,
                           trial_data(None, structure_name=" centre social des tilleuls "))
    assert trial.structure_id == world.centre
    with pytest.raises(DomainError) as caught:  # the hidden one is not on the map
        service.record(ctx, user(world.member), world.sheet, trial_data(None, structure_name="Association discrète"))
    assert caught.value.code == "unknown_structure"
