"""Meeting pages over HTTP: public list, roles, registration with bad input, waiting list, personal link,
check-in, CSV (injection-safe), ICS read back, and 50 simultaneous registrations for 10 places."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import requests
from icalendar import Calendar
from sqlalchemy import func, select

from workshop.extensions import db
from workshop.meetings.models import Meeting, Registration


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _register(client, meeting_id, name="Awa Diallo", **extra):
    data = {"name": name, "profile_kind": "school", **extra}
    return client.post(f"/rencontres/{meeting_id}/inscription", data=data)


def _token(response) -> str:
    return re.search(r"/rencontres/inscription/([\w-]+)", response.headers["Location"]).group(1)


def test_public_list_and_page_show_programme_but_no_private_meeting(client, organiser, make_meeting):
    public_id = make_meeting(organiser)
    private_id = make_meeting(organiser, public=False, title="Réunion interne des réseaux")
    page = text(client.get("/rencontres"))
    assert "Rencontre départementale école-familles" in page and "Réunion interne" not in page
    shown = text(client.get(f"/rencontres/{public_id}"))
    assert "atelier 1" in shown and "S'inscrire" in shown
    assert client.get(f"/rencontres/{private_id}").status_code == 404
    assert client.get(f"/rencontres/{private_id}/inscription").status_code == 404
    assert client.get(f"/rencontres/{private_id}/restitution").status_code == 404
    assert text(client.get("/rencontres?lang=en")).count("Meetings") >= 1


def test_ics_is_read_back_with_title_times_and_place(client, organiser, make_meeting, app):
    meeting_id = make_meeting(organiser)
    response = client.get(f"/rencontres/{meeting_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    event = next(iter(Calendar.from_ical(response.data).walk("VEVENT")))
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert str(event["summary"]) == meeting.title
        starts = event.decoded("dtstart")
        assert starts.replace(tzinfo=None) == meeting.starts_at and str(starts.tzinfo) == "Europe/Paris"
    assert "Boris-Vian" in str(event["location"])


def test_registration_bad_input_is_refused_in_french(client, meeting_id):
    response = _register(client, meeting_id, name="", email="pas-une-adresse", profile_kind="robot")
    page = text(response)
    assert response.status_code == 400
    assert "Indiquez votre nom." in page and "Adresse e-mail invalide." in page
    response = _register(client, meeting_id, structure_id="999999")
    assert response.status_code == 400 and "pas sur la carte" in text(response)
    response = client.post(f"/rencontres/{meeting_id}/inscription", data={"name": "x" * 5000, "profile_kind": "x"})
    assert response.status_code == 400


def test_waiting_list_personal_link_cancel_and_move_up(client, app, meeting_id):
    tokens = [_token(_register(app.test_client(), meeting_id, name=n)) for n in ("Awa", "Jules", "Inès")]
    third = client.get(f"/rencontres/inscription/{tokens[2]}")
    assert "Liste d'attente" in text(third) and third.headers["Cache-Control"] == "no-store"
    assert client.post(f"/rencontres/inscription/{tokens[1]}/annuler").status_code == 302
    assert "Annulée" in text(client.get(f"/rencontres/inscription/{tokens[1]}"))
    assert "Inscrit·e" in text(client.get(f"/rencontres/inscription/{tokens[2]}"))
    assert client.get("/rencontres/inscription/pas-un-vrai-jeton-du-tout").status_code == 404
    qr = client.get(f"/rencontres/inscription/{tokens[0]}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_only_organisers_see_emails_needs_and_csv(client, app, login, organiser, make_user, meeting_id):
    _register(app.test_client(), meeting_id, email="awa@exemple.fr", needs="Interprète LSF",
              structure_name="=HYPERLINK(\"http://x\")")
    for path in ("inscrits", "inscrits.csv", "preparation", "programme", "salle", "modifier"):
        assert client.get(f"/rencontres/{meeting_id}/{path}").status_code == 302  # to the login page
    login(make_user("facilitator"))
    for path in ("inscrits", "inscrits.csv", "preparation", "programme", "salle", "restitution/modifier"):
        assert client.get(f"/rencontres/{meeting_id}/{path}").status_code == 403
    assert "awa@exemple.fr" not in text(client.get(f"/rencontres/{meeting_id}"))
    client.post("/deconnexion")
    login(organiser)
    page = text(client.get(f"/rencontres/{meeting_id}/inscrits"))
    assert "awa@exemple.fr" in page and "Interprète LSF" in page
    csv_text = text(client.get(f"/rencontres/{meeting_id}/inscrits.csv"))
    assert "awa@exemple.fr" in csv_text and "'=HYPERLINK" in csv_text


def test_check_in_by_personal_qr_page_and_walk_in(client, app, login, organiser, meeting_id):
    token = _token(_register(app.test_client(), meeting_id, name="Awa"))
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id).where(Registration.name == "Awa"))
    login(organiser)
    page = client.get(f"/rencontres/{meeting_id}/accueil/{registration_id}")
    assert "Enregistrer l'arrivée" in text(page)
    client.post(f"/rencontres/{meeting_id}/accueil/{registration_id}", data={"present": "1"})
    assert "présent·e" in text(client.get(f"/rencontres/inscription/{token}"))
    response = client.post(f"/rencontres/{meeting_id}/inscrits", data={"walkin-name": "Marc (sur place)",
                                                                       "walkin-profile_kind": "parent"})
    assert response.status_code == 302
    assert "Marc (sur place)" in text(client.get(f"/rencontres/{meeting_id}/inscrits"))
    assert client.post(f"/rencontres/{meeting_id}/accueil/99999", data={"present": "1"}).status_code == 404


def test_organiser_creates_meeting_and_two_parallel_workshops(client, login, organiser, app):
    login(organiser)
    bad = client.post("/rencontres/nouvelle", data={"title": "", "starts_at": "demain", "ends_at": ""})
    assert bad.status_code == 400 and "Donnez un titre à la rencontre." in text(bad)
    reversed_times = client.post("/rencontres/nouvelle", data={
        "title": "Rencontre", "kind": "pooling", "starts_at": "2027-03-14T12:00", "ends_at": "2027-03-14T09:00"})
    assert reversed_times.status_code == 400 and "La fin doit suivre le début" in text(reversed_times)
    response = client.post("/rencontres/nouvelle", data={
        "title": "Mutualisation des pratiques", "kind": "pooling", "starts_at": "2027-03-14T09:00",
        "ends_at": "2027-03-14T16:00", "capacity": "40", "public": "y", "registration_open": "y"})
    assert response.status_code == 302
    meeting_id = int(re.search(r"/rencontres/(\d+)/programme", response.headers["Location"]).group(1))
    response = client.post(f"/rencontres/{meeting_id}/programme", data={
        "which": "slot", "slot-title": "Ateliers", "slot-starts_at": "2027-03-14T10:00",
        "slot-ends_at": "2027-03-14T12:00", "slot-count": "2", "slot-room": "Salle", "slot-format_key":
        "freins-leviers", "slot-facilitator": str(organiser.id)})
    assert response.status_code == 302
    page = text(client.get(f"/rencontres/{meeting_id}"))
    assert "Ateliers — atelier 1" in page and "Ateliers — atelier 2" in page
    far = client.post(f"/rencontres/{meeting_id}/programme", data={
        "which": "item", "item-kind": "break", "item-title": "Pause", "item-starts_at": "2027-05-14T10:00",
        "item-ends_at": "2027-05-14T10:30"})
    assert far.status_code == 400 and "sort de la journée" in text(far)


def test_structures_endpoint_answers_small_json(client):
    assert client.get("/rencontres/structures.json?q=a").get_json() == {"ok": True, "structures": []}
    assert client.get("/rencontres/structures.json?q=" + "x" * 500).get_json()["structures"] == []
    assert client.get("/rencontres/structures.json?q=%25%25").status_code == 200


def test_fifty_simultaneous_registrations_for_ten_places(live_server, organiser, make_meeting, app):
    meeting_id = make_meeting(organiser, capacity=10, workshops=0)
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def one(index: int) -> None:
        barrier.wait()
        response = requests.post(f"{live_server.url}/rencontres/{meeting_id}/inscription",
                                 data={"name": f"Personne {index}", "profile_kind": "parent"},
                                 allow_redirects=False, timeout=60)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 50
    with app.app_context():
        counts = dict(db.session.execute(select(Registration.status, func.count()).where(
            Registration.meeting_id == meeting_id).group_by(Registration.status)).all())
    assert counts == {"registered": 10, "waiting": 40}


def test_past_meeting_closes_registration(client, organiser, make_meeting, app):
    meeting_id = make_meeting(organiser)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at -= timedelta(days=30)
        meeting.ends_at -= timedelta(days=30)
        db.session.commit()
    response = _register(client, meeting_id)
    assert response.status_code == 400 and "closes" in text(response)


def test_structures_type_ahead_finds_published_structures_only(client, app):
    from workshop.mapping.models import Structure

    with app.app_context():
        db.session.add_all([Structure(kind="school", name="École 100% Jules_Ferry"),
                            Structure(kind="social_centre", name="Centre social caché", public=False)])
        db.session.commit()
    found = client.get("/rencontres/structures.json?q=100%25 Jules_").get_json()["structures"]
    assert [s["name"] for s in found] == ["École 100% Jules_Ferry"]
    assert client.get("/rencontres/structures.json?q=Jules%25Ferry").get_json()["structures"] == []
    assert client.get("/rencontres/structures.json?q=caché").get_json()["structures"] == []


def test_room_code_sends_a_registered_phone_to_its_own_registration(client, app, meeting_id):
    with app.app_context():
        code = db.session.get(Meeting, meeting_id).code
    pick = text(client.get(f"/r/{code.lower()}"))
    assert "atelier 1" in pick and "atelier 2" in pick  # a phone that did not register picks its workshop
    token = _token(_register(client, meeting_id, name="Awa"))
    again = client.get(f"/r/{code}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/rencontres/inscription/{token}")
    assert client.get("/r/ZZZZZZ").status_code == 404


def test_organisers_tick_tasks_see_typed_structures_and_publish_the_restitution(client, app, login, organiser,
                                                                                  meeting_id):
    _register(app.test_client(), meeting_id, structure_name="Association des parents du Nord")
    visitor = app.test_client()
    assert visitor.get(f"/rencontres/{meeting_id}/restitution").status_code == 404  # a draft until published
    login(organiser)
    assert "Association des parents du Nord" in text(client.get(f"/rencontres/{meeting_id}/inscrits"))
    added = client.post(f"/rencontres/{meeting_id}/preparation", data={"task-text": "Réserver les salles",
                                                                       "task-owner": "Claire"})
    assert added.status_code == 302
    assert client.post(f"/rencontres/{meeting_id}/preparation", data={"task-text": ""}).status_code == 400
    with app.app_context():
        from workshop.meetings.models import ChecklistTask

        task_id = db.session.scalar(select(ChecklistTask.id))
    client.post(f"/rencontres/{meeting_id}/preparation/{task_id}")
    assert 'aria-pressed="true"' in text(client.get(f"/rencontres/{meeting_id}/preparation"))
    published = client.post(f"/rencontres/{meeting_id}/restitution/modifier",
                            data={"synthesis": "**Ce que nous retenons**", "published": "y"})
    assert published.status_code == 302
    page = text(visitor.get(f"/rencontres/{meeting_id}/restitution"))
    assert "<strong>Ce que nous retenons</strong>" in page and "parents du Nord" not in page  # absent: not listed


def test_a_published_restitution_is_presented_full_screen_and_a_draft_only_to_its_organisers(client, app, login,
                                                                                          organiser, meeting_id):
    """The presentation mode shows a meeting's restitution one slide at a time: cover, who came, each workshop,
    the synthesis; nobody else sees a draft there either."""
    _register(app.test_client(), meeting_id)
    visitor = app.test_client()
    assert visitor.get(f"/presentation/rencontre/{meeting_id}").status_code == 404
    login(organiser)
    assert client.get(f"/presentation/rencontre/{meeting_id}").status_code == 200
    client.post(f"/rencontres/{meeting_id}/restitution/modifier",
                data={"synthesis": "Les parents veulent **un café** chaque mois.", "published": "y"})
    assert f'href="/presentation/rencontre/{meeting_id}"' in text(client.get(f"/rencontres/{meeting_id}/restitution"))
    deck = text(visitor.get(f"/presentation/rencontre/{meeting_id}"))
    slides = re.findall(r'<section class="slide slide--(\w+)"', deck)
    assert slides == ["cover", "figures", "bars", "workshop", "workshop", "sheet", "end"]
    assert "Rencontre départementale école-familles" in deck and "Qui est venu" in deck
    assert "Ateliers — atelier 1" in deck and "Les parents veulent un café chaque mois." in deck
    assert 'data-exit-url="/rencontres/' in deck and "<header" not in deck  # no site chrome, Escape goes back
    assert visitor.get("/presentation/rencontre/999999").status_code == 404
