"""Practice rules: sanitising, versions and conflicts, review workflow, board provenance, frameworks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.board_helpers import act
from tests.practices.conftest import sheet
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.errors import Conflict, Forbidden, ValidationError
from workshop.extensions import db
from workshop.frameworks import service as frameworks
from workshop.practices import provenance, reviews, rights, sheets, text, versions
from workshop.practices.models import Practice


def user(u) -> User:
    return db.session.get(User, u.id)


def test_long_texts_keep_lists_bold_links_and_lose_scripts(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet(
        context='<p onclick="x()">Avant <script>alert("x")</script><strong>gras</strong> <em>it</em> '
                '<a href="javascript:alert(1)">piège</a> <a href="https://exemple.fr">site</a></p>'
                '<iframe src="https://evil"></iframe><ul><li>un</li></ul>'))
    html = practice.context
    assert "<script" not in html and "alert" not in html and "onclick" not in html and "iframe" not in html
    assert "<strong>gras</strong>" in html and "<em>it</em>" in html and "<ul><li>un</li></ul>" in html
    assert 'href="https://exemple.fr"' in html and "javascript:" not in html


def test_plain_text_with_dashes_becomes_a_list(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet(steps="- Accueil\n- Café\n- Bilan"))
    assert practice.steps == "<ul><li>Accueil</li><li>Café</li><li>Bilan</li></ul>"


@pytest.mark.parametrize("field, value", [
    ("title", "x" * 201), ("title", ""), ("kind", "recette"), ("frameworks", ["inconnu"]),
    ("audiences", ["martiens"]), ("themes", ["t" * 61]), ("context", "x" * 70_000), ("networks", [999]),
    ("structures", [{"id": "12", "name": "École"}]),
])
def test_bad_fields_are_refused_with_their_name(session, people, field, value):
    with pytest.raises(ValidationError) as caught:
        sheets.create_practice(session, user(people.member), sheet(**{field: value}))
    assert caught.value.field == field
    assert session.scalar(select(Practice.id)) is None


def test_every_save_is_a_version_with_a_readable_diff(session, people):
    author = user(people.member)
    practice = sheets.create_practice(session, author, sheet(levers="Un lieu neutre."))
    sheets.update_practice(session, author, practice.id, sheet(levers="Un lieu neutre et chaleureux."), 1)
    sheets.update_practice(session, user(people.admin), practice.id, sheet(levers="Un lieu chaleureux."), 2)
    history = versions.versions(session, practice.id)
    assert [(v.number, v.author_name) for v in history] == [(3, "Admin"), (2, "Member"), (1, "Member")]
    changes = versions.diff(session, practice.id, 1, 3)
    assert [c.field for c in changes] == ["levers"]
    assert ("delete", "neutre.") in changes[0].ops and ("insert", "chaleureux.") in changes[0].ops


def test_saving_unchanged_content_makes_no_version(session, people):
    author = user(people.member)
    practice = sheets.create_practice(session, author, sheet())
    sheets.update_practice(session, author, practice.id, sheet(), 1)
    assert practice.version == 1 and len(versions.versions(session, practice.id)) == 1


def test_a_stale_save_raises_conflict_with_both_texts_and_overwrites_nothing(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet(context="Version de départ.",
                                                                            networks=[people.net_cs]))
    sheets.update_practice(session, user(people.coord_cs), practice.id, sheet(context="Texte de Claire.",
                                                                                  networks=[people.net_cs]), 1)
    with pytest.raises(Conflict) as caught:
        sheets.update_practice(session, user(people.member), practice.id, sheet(context="Texte de Karim.",
                                                                                networks=[people.net_cs]), 1)
    fields = {f["field"]: f for f in caught.value.details["fields"]}
    assert "Texte de Claire" in fields["context"]["theirs"] and "Texte de Karim" in fields["context"]["yours"]
    assert caught.value.details["current_version"] == 2
    session.expire_all()
    assert "Texte de Claire" in rights.get_practice(session, practice.id).context
    assert len(versions.versions(session, practice.id)) == 2


def test_restore_brings_back_an_old_version_as_a_new_one(session, people):
    author = user(people.member)
    practice = sheets.create_practice(session, author, sheet(title="Premier titre"))
    sheets.update_practice(session, author, practice.id, sheet(title="Second titre"), 1)
    versions.restore(session, author, practice.id, 1, 2)
    assert practice.title == "Premier titre" and practice.version == 3
    assert versions.versions(session, practice.id)[0].note == "Restauration de la version 1"


def test_review_workflow_and_who_may_do_what(session, people):
    member, other = user(people.member), user(people.other)
    practice = sheets.create_practice(session, member, sheet(networks=[people.net_cs]))
    with pytest.raises(Forbidden):
        reviews.transition(session, other, practice.id, "submit")
    reviews.transition(session, member, practice.id, "submit", "Prête à relire")
    with pytest.raises(Forbidden):
        reviews.transition(session, member, practice.id, "publish")
    with pytest.raises(Forbidden):  # coordinates the other network only
        reviews.transition(session, user(people.coord_ef), practice.id, "publish")
    with pytest.raises(ValidationError):  # sending back needs a comment
        reviews.transition(session, user(people.coord_cs), practice.id, "return", "")
    reviews.transition(session, user(people.coord_cs), practice.id, "return", "Préciser les étapes")
    assert practice.status == "draft"
    reviews.transition(session, member, practice.id, "submit")
    reviews.transition(session, user(people.coord_cs), practice.id, "publish", "Bravo")
    assert practice.status == "published" and practice.published_at is not None
    with pytest.raises(Forbidden):  # the author no longer edits the published sheet
        sheets.update_practice(session, member, practice.id, sheet(title="Changement"), practice.version)
    reviews.transition(session, user(people.coord_cs), practice.id, "archive")
    log = [(c.status_from, c.status_to, c.body) for c in reviews.comments(session, practice.id)]
    assert log[0] == ("draft", "submitted", "Prête à relire")
    assert ("submitted", "draft", "Préciser les étapes") in log and log[-1][:2] == ("published", "archived")


def test_without_networks_only_admins_publish(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet(networks=[]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    with pytest.raises(Forbidden):
        reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    reviews.transition(session, user(people.admin), practice.id, "publish")
    assert practice.status == "published"


@pytest.fixture
def app_config():
    return {"PRACTICES_DOUBLE_APPROVAL": False}


def test_double_approval_needs_both_networks(app, session, people):
    app.config["PRACTICES_DOUBLE_APPROVAL"] = True
    practice = sheets.create_practice(session, user(people.member), sheet(networks=[people.net_cs, people.net_ef]))
    reviews.transition(session, user(people.member), practice.id, "submit")
    reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    assert practice.status == "submitted"
    assert [n.id for n in reviews.missing_approvals(session, practice)] == [people.net_ef]
    with pytest.raises(ValidationError):
        reviews.transition(session, user(people.coord_cs), practice.id, "publish")
    reviews.transition(session, user(people.coord_ef), practice.id, "publish")
    assert practice.status == "published"


def test_editors_invited_may_edit_a_draft(session, people):
    practice = sheets.create_practice(session, user(people.member), sheet())
    assert not rights.can_edit(session, user(people.other), practice)
    sheets.add_editor(session, user(people.member), practice.id, people.other.email)
    sheets.update_practice(session, user(people.other), practice.id, sheet(title="À quatre mains"), 1)
    assert practice.title == "À quatre mains"


def _board(session, people, **settings):
    facilitator = user(people.coord_cs)
    workshop = boards.create_workshop(session, facilitator, "Atelier du jeudi", place="Centre social de l'Alma")
    if settings:
        workshop.settings = {**workshop.settings, **settings}
        session.commit()
    nadia = boards.join(session, {"code": workshop.code, "name": "Nadia"}).participant
    cards = [act(session, nadia, "card.add", {"client_id": f"c{i}", "column": col, "text": text}).card["id"]
             for i, (col, text) in enumerate([("obstacle", "Horaires décalés"), ("lever", "Café des parents"),
                                              ("method", "Réunion de rentrée commune")])]
    return facilitator, workshop, cards


def test_cards_prefill_the_sheet_and_provenance_survives_the_workshop(session, people):
    facilitator, workshop, cards = _board(session, people)
    practice, used = provenance.create_from_cards(session, facilitator, workshop.id, cards, "Accueillir les parents")
    assert used == cards
    assert "Horaires décalés" in practice.obstacles and "Café des parents" in practice.levers
    assert "Réunion de rentrée commune" in practice.steps
    assert [c["author"] for c in practice.provenance["cards"]] == ["Nadia"] * 3
    assert [n.id for n in practice.networks] == [people.net_cs]
    session.delete(session.get(Workshop, workshop.id))
    session.commit()
    session.expire_all()
    kept = rights.get_practice(session, practice.id)
    assert kept.source_workshop_id is None and provenance.workshop_deleted(kept)
    assert kept.provenance["workshop_title"] == "Atelier du jeudi"


def test_anonymous_workshop_keeps_no_author_names(session, people):
    facilitator, workshop, cards = _board(session, people, anonymous=True)
    practice, _used = provenance.create_from_cards(session, facilitator, workshop.id, cards, None)
    assert all(c["author"] is None for c in practice.provenance["cards"])
    assert practice.title == "Fiche issue de l'atelier « Atelier du jeudi »"


def test_cards_of_another_workshop_are_refused(session, people):
    facilitator, workshop, cards = _board(session, people)
    other = boards.create_workshop(session, facilitator, "Autre atelier")
    with pytest.raises(Exception) as caught:
        provenance.create_from_cards(session, facilitator, other.id, cards, "x")
    assert caught.value.code == "not_found"


def test_frameworks_list_is_edited_by_admins_only(session, people):
    with pytest.raises(Forbidden):
        frameworks.save_framework(session, user(people.coord_cs), "bourse", "Bourse aux projets")
    frameworks.save_framework(session, user(people.admin), "reaap", "REAAP (parentalité)")
    frameworks.save_framework(session, user(people.admin), "bourse", "Bourse aux projets")
    labels = frameworks.labels(session)
    assert labels["reaap"] == "REAAP (parentalité)" and labels["bourse"] == "Bourse aux projets"
    practice = sheets.create_practice(session, user(people.member), sheet(frameworks=["bourse"]))
    assert practice.frameworks == ["bourse"]


@pytest.mark.parametrize("typed", [
    "Une réunion & des <parents> d'élèves.\nDeux lignes.\n\n- un\n- deux & trois",
    "a < b et c > d",
    "Un seul paragraphe",
])
def test_text_typed_by_people_is_kept_and_edits_back_as_typed(app, typed):
    with app.test_request_context():
        stored = text.sanitise(typed)
        shown = text.editable_text(stored)
        assert shown == typed.strip()  # what the text area shows is what was typed, not markup
        assert text.sanitise(shown) == stored  # saving it unchanged changes nothing


def test_rich_sections_are_edited_as_html_so_nothing_is_lost(app):
    with app.test_request_context():
        stored = text.sanitise('<p><strong>Gras</strong> et <a href="https://exemple.fr">lien</a></p>')
        assert text.editable_text(stored) == stored
