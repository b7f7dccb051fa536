"""CSV and Markdown exports of a board, for its facilitator only, at any moment."""

from __future__ import annotations

import csv
import io

from tests.board_helpers import act
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.extensions import db
from workshop.facilitation.control import phases_of


def _board(app, make_user, format_key="freins-leviers"):
    owner = make_user("facilitator")
    with app.test_request_context():
        user = db.session.get(User, owner.id)
        workshop = boards.create_workshop(db.session, user, "Atelier des Tilleuls", format_key=format_key)
        fac = boards.join(db.session, {"code": workshop.code}, user).participant
        nadia = boards.join(db.session, {"code": workshop.code, "name": "Nadia"}).participant
        cards = [act(db.session, nadia, "card.add", {"client_id": f"c{i}", "column": col, "text": text}).card
                 for i, (col, text) in enumerate([("obstacle", "=HYPERLINK(\"http://x\")"),
                                                  ("obstacle", "Horaires *incompatibles*"),
                                                  ("lever", "Un café des parents")])]
        act(db.session, fac, "phase.set", {"phase": "cluster"})
        act(db.session, fac, "group.create", {"card_ids": [cards[0]["id"], cards[1]["id"]],
                                                           "name": "Temps"})
        act(db.session, fac, "phase.set", {"phase": "vote"})
        act(db.session, nadia, "vote.cast", {"kind": "card", "id": cards[2]["id"]})
        return owner, workshop.id


def test_facilitator_downloads_csv_with_groups_dots_and_safe_cells(app, client, login, make_user):
    owner, workshop_id = _board(app, make_user)
    login(owner)
    response = client.get(f"/ateliers/{workshop_id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Colonne", "Groupe", "Fusion", "Post-it", "Gommettes"]
    by_text = {r[3]: r for r in rows[1:]}
    assert by_text["'=HYPERLINK(\"http://x\")"][:2] == ["Freins", "Temps"]  # formula defused
    assert by_text["Un café des parents"][4] == "1" and by_text["Un café des parents"][6] == "Nadia"


def test_markdown_export_escapes_and_ranks(app, client, login, make_user):
    owner, workshop_id = _board(app, make_user)
    login(owner)
    text = client.get(f"/ateliers/{workshop_id}/export.md").get_data(as_text=True)
    assert text.startswith("# Atelier des Tilleuls")
    assert "## Freins" in text and "### Temps" in text
    assert "- Horaires \\*incompatibles\\*" in text
    assert "1. Un café des parents — 1 ●" in text


def test_exports_are_for_the_facilitator_only(app, client, login, make_user):
    _owner, workshop_id = _board(app, make_user)
    assert client.get(f"/ateliers/{workshop_id}/export.csv").status_code == 302  # to the login page
    login(make_user("facilitator"))
    assert client.get(f"/ateliers/{workshop_id}/export.csv").status_code == 403
    assert client.get(f"/ateliers/{workshop_id}/export.md").status_code == 403
    assert client.get("/ateliers/99999/export.md").status_code == 404


def test_a_saved_format_starts_a_new_workshop_with_its_columns_and_phases(app, client, login, make_user):
    owner = make_user("facilitator")
    with app.test_request_context():
        user = db.session.get(User, owner.id)
        workshop = boards.create_workshop(db.session, user, "Première", format_key="afom")
        fac = boards.join(db.session, {"code": workshop.code}, user).participant
        act(db.session, fac, "column.update", {"key": "threats", "label": "Risques", "position": 0})
        saved = act(db.session, fac, "format.save", {"label": "AFOM revu"}).extra["format"]
    login(owner)
    form = client.get("/ateliers/nouveau").get_data(as_text=True)
    assert f'value="custom-{saved["id"]}"' in form and "AFOM revu (format enregistré)" in form
    response = client.post("/ateliers/nouveau", data={"title": "Seconde", "format_key": f"custom-{saved['id']}"})
    assert response.status_code == 302
    with app.test_request_context():
        second = db.session.scalars(db.select(Workshop).where(Workshop.title == "Seconde")).one()
        assert [c["label"] for c in boards.column_dicts(second)] == ["Risques", "Atouts", "Faiblesses",
                                                                     "Opportunités"]
        assert [p["key"] for p in phases_of(second)] == ["write", "cluster", "vote"]
        assert phases_of(second)[0]["private"] is True
    other = make_user("facilitator")
    client.post("/deconnexion")
    login(other)
    assert f"custom-{saved['id']}" not in client.get("/ateliers/nouveau").get_data(as_text=True)
