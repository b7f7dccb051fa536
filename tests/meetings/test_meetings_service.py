"""Meeting rules: capacity and waiting list, cancellation, check-in, the board seat of a registrant, rights."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from tests.board_helpers import act
from workshop.accounts.models import User
from workshop.boards.models import Participant
from workshop.errors import Closed, Forbidden, ValidationError
from workshop.extensions import db
from workshop.meetings import registration as registrations
from workshop.meetings import restitution, service
from workshop.meetings.models import Meeting


def _person(name: str, kind: str = "school", **extra) -> dict:
    return {"name": name, "profile_kind": kind, **extra}


def test_capacity_fills_then_waiting_list_moves_up_on_cancellation(session, meeting_id):
    meeting = session.get(Meeting, meeting_id)
    first, _ = registrations.register(session, meeting, _person("Awa Diallo"))
    second, _ = registrations.register(session, meeting, _person("Jules Martin", "social_centre"))
    third, _ = registrations.register(session, meeting, _person("Inès Benali", "parent"))
    fourth, _ = registrations.register(session, meeting, _person("Marc Petit", "parent"))
    assert [r.status for r in (first, second, third, fourth)] == ["registered", "registered", "waiting", "waiting"]
    moved = registrations.cancel(session, second)
    assert moved == [third] and third.status == "registered" and fourth.status == "waiting"
    assert registrations.registered_count(session, meeting_id) == 2
    assert registrations.cancel(session, second) == []  # cancelling twice frees nothing more


def test_registration_refuses_bad_input_with_french_messages(session, meeting_id, make_meeting, organiser):
    meeting = session.get(Meeting, meeting_id)
    cases = [
        (_person(""), "name"), (_person("A", "robot"), "profile_kind"), (_person("A", email="pas-un-mail"), "email"),
        (_person("A", structure_id=999_999), "structure_id"), (_person("A", network_id=999_999), "network_id"),
        (_person("A\u202eexe"), "name"), (_person("A", needs="x" * 1001), "needs"),
    ]
    other = session.get(Meeting, make_meeting(organiser))
    cases.append((_person("A", workshop_id=service.meeting_workshops(other)[0].id), "workshop_id"))
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            registrations.register(session, meeting, data)
        assert error.value.field == field and error.value.message
    meeting.registration_open = False
    with pytest.raises(Closed):
        registrations.register(session, meeting, _person("Tard"))


def test_check_in_then_board_seat_is_the_same_participant_each_time(session, meeting_id, organiser, make_user):
    meeting = session.get(Meeting, meeting_id)
    actor = session.get(User, organiser.id)
    workshop = service.meeting_workshops(meeting)[0]
    person, _ = registrations.register(session, meeting, _person("Awa Diallo", workshop_id=workshop.id))
    with pytest.raises(Forbidden):
        registrations.open_board(session, person)  # not checked in yet
    registrations.check_in(session, actor, meeting, person)
    board, token = registrations.open_board(session, person)
    again, token2 = registrations.open_board(session, person)
    assert board.id == again.id == workshop.id and token != token2
    seats = list(session.scalars(select(Participant).where(Participant.workshop_id == workshop.id)))
    assert [(s.name, s.id) for s in seats] == [("Awa Diallo", person.participant_id)]
    assert seats[0].profile == person.profile_kind  # what she said at registration reaches the balance of the room
    stranger = session.get(User, make_user("facilitator").id)  # facilitates, but not this meeting
    with pytest.raises(Forbidden):
        registrations.check_in(session, stranger, meeting, person)


def test_walk_in_is_present_and_only_organisers_add_one(session, meeting_id, make_user):
    meeting = session.get(Meeting, meeting_id)
    member = session.get(User, make_user("member").id)
    with pytest.raises(Forbidden):
        registrations.register(session, meeting, _person("Sur place"), walk_in=True, actor=member)
    admin = session.get(User, make_user("admin").id)
    person, _ = registrations.register(session, meeting, _person("Sur place"), walk_in=True, actor=admin)
    assert person.checked_in_at is not None and person.walk_in


def test_restitution_counts_attendance_and_renders_markdown_safely(session, meeting_id, organiser):
    meeting = session.get(Meeting, meeting_id)
    actor = session.get(User, organiser.id)
    workshop = service.meeting_workshops(meeting)[0]
    school, _ = registrations.register(session, meeting, _person("Awa", "school", city="Roubaix"))
    registrations.register(session, meeting, _person("Jules", "social_centre", structure_name="CS Boris-Vian"))
    registrations.check_in(session, actor, meeting, school)
    seat = registrations.register(session, meeting, _person("Inès", "parent"), walk_in=True, actor=actor)[0]
    registrations.choose_workshop(session, seat, workshop.id)
    _, token = registrations.open_board(session, seat)
    db.session.commit()
    participant = session.get(Participant, seat.participant_id)
    act(session, participant, "card.add", {"client_id": uuid.uuid4().hex, "column": "lever",
                                           "text": "Un café des parents le vendredi"})
    service.set_synthesis(session, actor, meeting, "**Bilan** <script>alert(1)</script>\n\n- un\n- deux",
                          published=True)
    view = restitution.restitution_view(session, meeting)
    attendance = view["attendance"]
    assert (attendance["registered"], attendance["present"], attendance["waiting"]) == (3, 2, 0)
    by_profile = {row["label"]: (row["registered"], row["present"]) for row in attendance["by_profile"]}
    assert by_profile["École, collège"] == (1, 1)
    assert by_profile["Centre social"] == (1, 0)
    assert {row["label"] for row in attendance["by_city"]} >= {"Roubaix"}
    assert view["workshops"][0]["top"][0]["label"] == "Un café des parents le vendredi"
    html = str(view["synthesis"])
    assert "<strong>Bilan</strong>" in html and "<li>deux</li>" in html and "<script" not in html
    assert "&lt;script&gt;" in html


def test_private_meeting_is_hidden_until_published(session, organiser, make_meeting, make_user):
    meeting = session.get(Meeting, make_meeting(organiser, public=False))
    member = session.get(User, make_user("member").id)
    assert not service.visible(session, member, meeting)
    assert service.visible(session, session.get(User, organiser.id), meeting)
    assert meeting not in service.public_meetings(session)[0]
    meeting.published = True
    assert service.visible(session, member, meeting)


def test_parallel_slot_creates_real_boards_and_checks_bounds(session, meeting_id, organiser):
    meeting = session.get(Meeting, meeting_id)
    actor = session.get(User, organiser.id)
    slot = {"title": "Ateliers de l'après-midi", "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
            "room": "Salle B"}
    with pytest.raises(ValidationError):
        service.add_parallel_slot(session, actor, meeting, slot, 13)
    item = service.add_parallel_slot(session, actor, meeting, slot, 3)
    rooms = [link.room for link in meeting.workshops if link.item_id == item.id]
    assert rooms == ["Salle B 1", "Salle B 2", "Salle B 3"]
    assert all(link.workshop.code and link.workshop.columns for link in meeting.workshops)
    board = service.preparation_board(session, actor, meeting, create=True)
    assert board not in service.meeting_workshops(meeting)
    assert [tuple(row) for row in service.meeting_workshop_rows(session, meeting)] == [
        (w.id, w.title, w.place) for w in service.meeting_workshops(meeting)]  # the registration form's rows
    assert all(p["workshops"] == [] or board not in [w.workshop for w in p["workshops"]]
               for p in service.programme(session, meeting))



def test_restitution_reads_registrations_in_a_fixed_number_of_queries(session, meeting_id, organiser):
    """Each person's structure and network are loaded with all the others (no query per registrant)."""
    from sqlalchemy import event

    from workshop.mapping.models import Structure
    from workshop.networks.models import Network

    meeting = session.get(Meeting, meeting_id)
    meeting.capacity = None
    actor = session.get(User, organiser.id)

    def register(count: int) -> None:
        for n in range(count):
            structure = Structure(kind="school", name=f"École {uuid.uuid4().hex[:8]}")
            network = Network(slug=uuid.uuid4().hex[:12], name="Réseau", short_name=f"R{n}")
            session.add_all([structure, network])
            session.flush()
            person, _ = registrations.register(session, meeting, _person(f"P{n}", structure_id=structure.id,
                                                                         network_id=network.id))
            registrations.check_in(session, actor, meeting, person)
        session.commit()

    def queries() -> int:
        session.expire_all()
        statements: list[str] = []
        listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            attendance = restitution.attendance(session, meeting)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert attendance["present"] == len(attendance["structures"])
        return len(statements)

    register(2)
    few = queries()
    register(6)
    assert queries() == few


def test_organised_by_lists_what_is_organiser_allows(session, organiser, make_meeting, make_user):
    from workshop.networks import service as networks
    from workshop.networks.models import Network

    network, other = Network(slug="cs-test", name="Centres sociaux", short_name="CS"), \
        Network(slug="ef-test", name="École et familles", short_name="EF")
    session.add_all([network, other])
    session.commit()
    own = make_meeting(organiser)
    by_network = make_meeting(make_user("facilitator"))
    elsewhere = make_meeting(make_user("facilitator"))
    service.set_networks(session, session.get(Meeting, by_network), [network.id])
    service.set_networks(session, session.get(Meeting, elsewhere), [other.id])
    coordinator = session.get(User, make_user("facilitator").id)
    networks.add_member(session, network, coordinator, coordinator=True)
    session.commit()
    everyone = [session.get(User, organiser.id), coordinator, session.get(User, make_user("admin").id),
                session.get(User, make_user("member").id)]
    for user in everyone:
        expected = {m.id for m in session.scalars(select(Meeting)) if service.is_organiser(session, user, m)}
        assert {m.id for m in service.organised_by(session, user)} == expected
    assert {m.id for m in service.organised_by(session, coordinator)} == {by_network}
    assert {m.id for m in service.organised_by(session, everyone[0])} == {own}
    assert len(service.organised_by(session, everyone[2])) == 3


def test_restitution_names_only_published_sheets_of_its_workshops(session, meeting_id):
    from workshop.practices.models import Practice

    meeting = session.get(Meeting, meeting_id)
    workshop = service.meeting_workshops(meeting)[0]
    for title, status in (("Café des parents", "published"), ("Brouillon sensible", "draft"),
                          ("En relecture", "submitted")):
        session.add(Practice(uuid=str(uuid.uuid4()), title=title, status=status, source_workshop_id=workshop.id))
    session.flush()
    view = restitution.restitution_view(session, meeting)
    assert [p["title"] for p in view["workshops"][0]["practices"]] == ["Café des parents"]
