"""Programme rules: Decimal totals to the cent, refused input with French messages, indicators from the data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from workshop.accounts.models import User
from workshop.errors import Forbidden, ValidationError
from workshop.extensions import db
from workshop.programme import indicators, plan
from workshop.programme.models import Programme
from workshop.programme.parsing import format_decimal, parse_amount


def _get(session, world):
    return session.get(Programme, world.programme_id), session.get(User, world.admin.id)


def test_budget_totals_are_exact_decimals(session, world):
    programme, admin = _get(session, world)
    for planned, committed, spent in (("0,10", "0.10", "0,10"), ("0.20", "0,20", "0.20"),
                                      ("1 250,35", "1250,35", "999,99"), ("9999999999.99", "0", "0")):
        plan.save_budget_line(session, admin, programme, {"category": "salles", "planned": planned,
                                                          "committed": committed, "spent": spent})
    summary = indicators.budget_summary(session, programme)
    assert summary["totals"]["planned"] == Decimal("10000001250.64")
    assert summary["totals"]["spent"] == Decimal("1000.29")  # 0.1 + 0.2 is 0.30 here, never 0.30000000000000004
    assert all(isinstance(v, Decimal) for v in summary["totals"].values())
    assert format_decimal(Decimal("1250.5")) == "1\u202f250,50"
    assert format_decimal(Decimal("1250.5"), "en") == "1,250.50"


@pytest.mark.parametrize("typed, message", [
    ("12,345", "au plus deux décimales"), ("-5", "nombre positif"), ("1e3", "nombre positif"),
    ("NaN", "nombre positif"), ("99999999999", "nombre positif"), ("douze", "nombre positif"),
])
def test_bad_amounts_are_refused_in_french(typed, message):
    with pytest.raises(ValidationError) as refused:
        parse_amount(typed, "planned", "Prévu")
    assert message in refused.value.message and refused.value.code == "invalid" and refused.value.field == "planned"


def test_time_is_recorded_within_the_period_and_sums_against_the_plan(session, world):
    programme, admin = _get(session, world)
    member = session.get(User, world.member.id)
    network = str(world.networks[0])
    plan.set_time_plan(session, admin, programme, {"network": network, "kind": "animation", "hours": "10"})
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for hours in ("2,5", "1.25"):
        plan.record_time(session, member, programme, {"network": network, "kind": "animation",
                                                      "worked_on": yesterday, "hours": hours})
    summary = indicators.time_summary(session, programme)
    row = summary["networks"][0]
    assert (row["planned"], row["done"], row["share"]) == (Decimal("10"), Decimal("3.75"), 38)
    entry_person = plan.record_time(session, member, programme, {"network": network, "kind": "animation",
                                                                 "worked_on": yesterday, "hours": "1"}).person
    assert entry_person == "Nadia Membre"  # nobody typed a name: the account's
    refusals = [
        ({"worked_on": (date.today() + timedelta(days=2)).isoformat()}, "temps à venir"),
        ({"worked_on": "1999-01-01"}, "JJ/MM/AAAA"),
        ({"worked_on": programme.ends_on.replace(year=programme.ends_on.year + 1).isoformat()}, "période"),
        ({"hours": "25"}, "24,00 au plus"), ({"hours": "0"}, "plus grand que zéro"),
        ({"kind": "sieste"}, "type de travail"), ({"network": "999"}, "réseau"),
    ]
    for change, message in refusals:
        data = {"network": network, "kind": "animation", "worked_on": yesterday, "hours": "1", **change}
        with pytest.raises(ValidationError, match=message):
            plan.record_time(session, member, programme, data)
    with pytest.raises(Forbidden):
        plan.record_time(session, session.get(User, world.outsider.id), programme,
                         {"network": network, "kind": "animation", "worked_on": yesterday, "hours": "1"})


def test_only_the_programmes_coordinators_edit_the_budget(session, world):
    programme, _admin = _get(session, world)
    line = {"category": "personnel", "planned": "100"}
    with pytest.raises(Forbidden):
        plan.save_budget_line(session, session.get(User, world.member.id), programme, line)
    assert plan.save_budget_line(session, session.get(User, world.coordinator.id), programme, line).planned == 100
    with pytest.raises(ValidationError, match="dépensé ne peut pas dépasser"):
        plan.save_budget_line(session, session.get(User, world.coordinator.id), programme,
                              {"category": "personnel", "committed": "10", "spent": "20"})


def test_indicators_are_computed_from_the_data(session, world):
    programme, _admin = _get(session, world)
    figures = indicators.indicators(session, programme)
    # Vénissieux (linked school and centre, neighbour linked too) and Villeurbanne (its college was at a workshop)
    # take part; Lyon has no structure.
    assert (figures["cities_covered"], figures["cities_total"]) == (2, 3)
    assert (figures["structures"], figures["in_qpv"], figures["qpv_share"]) == (4, 2, 50)
    assert (figures["schools"], figures["social_centres"], figures["taking_part"]) == (3, 1, 4)
    assert figures["participants"] == {"total": 2, "by_profile": {"Autre": 2}}  # nobody said where they came from
    assert figures["sheets_published"] == 1
    links = figures["links"]
    year_2024 = links["years"].index(2024) if 2024 in links["years"] else None
    levels = {lv["level"]: lv["counts"] for lv in links["levels"]}
    assert levels["cooperation"][-1] == 1 and levels["information"][-1] == 1
    if year_2024 is not None:
        assert levels["information"][year_2024] == 0 and levels["cooperation"][year_2024] == 1
    assert indicators.meetings_held(session, programme) == 1
    db.session.rollback()


def test_participants_are_counted_by_the_label_of_their_profile(app, session, world):
    from workshop.boards import service as boards
    from workshop.boards.models import Workshop

    programme, _admin = _get(session, world)
    code = session.scalar(select(Workshop.code))
    with app.test_request_context():
        for name, kind in (("Awa", "parent"), ("Léo", "parent"), ("Inès", "social_centre"), ("Tom", "other")):
            boards.join(session, {"code": code, "name": name, "profile": {"kind": kind}})
        figures = indicators.participants(session, programme)
    assert figures == {"total": 6, "by_profile": {"Centre social": 1, "Parent": 2, "Autre": 3}}
    db.session.rollback()


def test_a_departmental_meeting_counts_once_whatever_its_workshops(app, session, world):
    from datetime import datetime, timedelta

    from workshop.meetings import service as meetings

    programme, admin = _get(session, world)
    before = indicators.meetings_held(session, programme)
    with app.test_request_context():
        held = meetings.create_meeting(session, admin, {"title": "Rencontre départementale", "public": True,
                                                        "starts_at": datetime.now() - timedelta(days=3)})
        meetings.create_workshops(session, admin, held, 3)  # three parallel workshops: one meeting
        coming = meetings.create_meeting(session, admin, {"title": "La prochaine", "public": True,
                                                          "starts_at": datetime.now() + timedelta(days=30)})
        meetings.create_workshops(session, admin, coming, 2)
    assert indicators.meetings_held(session, programme) == before + 1  # the one to come is not held yet
    db.session.rollback()


def test_a_workshop_planned_for_later_in_the_period_is_not_held_yet(app, session, world):
    from workshop.boards import service as boards
    from workshop.mapping.models import Structure, workshop_structure

    programme, admin = _get(session, world)
    before = indicators.meetings_held(session, programme)
    lyon = Structure(kind="centre_social", name="Centre social de Gerland", city_insee="69123")
    session.add(lyon)
    with app.test_request_context():
        planned = boards.create_workshop(session, admin, "Groupe de pairs du mois prochain")
    planned.held_on = date.today() + timedelta(days=20)
    session.flush()
    session.execute(workshop_structure.insert().values(workshop_id=planned.id, structure_id=lyon.id))
    assert indicators.meetings_held(session, programme) == before
    figures = indicators.indicators(session, programme)
    assert (figures["cities_covered"], figures["social_centres"]) == (2, 1)  # Lyon's centre does not take part yet
    planned.held_on = date.today() - timedelta(days=2)
    session.flush()
    assert indicators.meetings_held(session, programme) == before + 1
    assert indicators.indicators(session, programme)["cities_covered"] == 3
    db.session.rollback()


def test_programme_dates_and_cities_are_checked(session, world):
    admin = session.get(User, world.admin.id)
    base = {"title": "Programme", "starts_on": "2026-09-01", "ends_on": "2027-07-01", "cities": "69259"}
    for change, message in (({"ends_on": "2025-01-01"}, "après son début"), ({"cities": "6925"}, "INSEE invalide"),
                            ({"cities": "75056"}, "Commune inconnue"), ({"planned_meetings": "-1"}, "entier"),
                            ({"starts_on": "31/02/2026"}, "JJ/MM/AAAA")):
        with pytest.raises(ValidationError, match=message):
            plan.save_programme(session, admin, {**base, **change})
    with pytest.raises(Forbidden):
        plan.save_programme(session, session.get(User, world.coordinator.id), base)
    assert plan.save_programme(session, admin, {**base, "starts_on": "01/09/2026"}).starts_on == date(2026, 9, 1)


def test_retention_erases_names_on_time_of_long_ended_programmes(session, world):
    from datetime import datetime

    from workshop.privacy.retention import purge_expired
    from workshop.programme.models import TimeEntry

    programme, admin = _get(session, world)
    plan.record_time(session, admin, programme, {"network": str(world.networks[0]), "kind": "animation",
                                                 "worked_on": (date.today() - timedelta(days=1)).isoformat(),
                                                 "hours": "2", "person": "Fatou Diallo"})
    soon = datetime.combine(programme.ends_on, datetime.min.time()) + timedelta(days=30)
    assert purge_expired(session, soon, months=24)["time_entries"] == 0  # ended a month ago: kept
    later = soon + timedelta(days=25 * 31)
    assert purge_expired(session, later, months=24, dry_run=True)["time_entries"] == 1
    assert purge_expired(session, later, months=24)["time_entries"] == 1
    entry = session.scalar(select(TimeEntry))
    assert entry.person == "" and entry.hours == Decimal("2.00")  # the hours still count


def test_an_accounts_time_entries_are_in_its_export_and_lose_its_name_on_erasure(session, world):
    from workshop.privacy.exports import export_account
    from workshop.privacy.people import erase_account

    programme, admin = _get(session, world)
    member = session.get(User, world.member.id)
    plan.record_time(session, member, programme, {"network": str(world.networks[0]), "kind": "animation",
                                                  "worked_on": (date.today() - timedelta(days=1)).isoformat(),
                                                  "hours": "1,5"})
    exported = export_account(session, member)["programme_time"]
    assert exported == [{"programme_id": programme.id, "date": (date.today() - timedelta(days=1)).isoformat(),
                         "hours": "1.50", "kind": "animation", "person": "Nadia Membre"}]
    erase_account(session, member, admin)
    assert "Nadia" not in str(export_account(session, member))


def test_practices_tried_count_approved_trials_of_the_period_in_the_programmes_cities(session, world):
    from workshop.practices.models import Practice
    from workshop.trials.models import Trial

    programme, admin = _get(session, world)
    sheet = session.scalar(select(Practice.id).where(Practice.status == "published"))
    today = date.today()
    for structure, status, tried_on in ((world.school, "approved", today), (world.centre, "approved", today),
                                        (world.school, "approved", today - timedelta(days=3)),
                                        (world.neighbour, "pending", today),  # not decided yet
                                        (world.neighbour, "refused", today),
                                        (world.far, "approved", programme.starts_on - timedelta(days=1))):
        session.add(Trial(practice_id=sheet, structure_id=structure, status=status, tried_on=tried_on,
                          recommend="yes", changes="Des parents venus.", author_id=admin.id))
    session.flush()
    assert indicators.indicators(session, programme)["tried"] == {"trials": 3, "sheets": 1, "structures": 2,
                                                                  "cities": 1}
