"""Home page results, city pages, presentation pages, embeds and their frame-ancestors policy."""

from __future__ import annotations

import re

import pytest

from workshop.accounts.models import User
from workshop.extensions import db
from workshop.security import embed_ancestors
from workshop.toolkits import service as toolkits


@pytest.fixture
def programme(app, people, make_practice, make_structure, make_link, in_network):
    """Two published sheets in Roubaix, a draft, a published toolkit, two public structures and their link."""
    school = make_structure("École Jules-Ferry", kind="ecole_elementaire", insee="59512", city="Roubaix",
                            uai="0590001A")
    centre = make_structure("Centre social de l'Alma", insee="59512", city="Roubaix")
    make_link(school, centre, frameworks=["clas"])
    first = make_practice(status="published", title="Café des parents au collège")
    second = make_practice(status="published", title="Devoirs partagés au centre social")
    draft = make_practice(title="Brouillon à ne pas montrer")
    with app.test_request_context():
        admin = db.session.get(User, people.admin.id)
        toolkit = toolkits.create_toolkit(db.session, admin, "Accueillir les parents")
        toolkits.save_toolkit(db.session, admin, toolkit.id, {"title": "Accueillir les parents", "sections": [
            {"title": "Premiers pas", "entries": [first, second]}]}, toolkit.revision)
        toolkits.publish(db.session, admin, toolkit.id)
        db.session.commit()
        return {"sheets": (first, second), "draft": draft, "toolkit": toolkit.id, "school": school}


def test_home_shows_figures_latest_sheets_then_the_join_box(client, programme):
    page = client.get("/").get_data(as_text=True)
    figures = re.findall(r"<li><strong>(\d+)</strong> (\w+)", page)
    assert figures[:4] == [("1", "villes"), ("2", "structures"), ("1", "liens"), ("2", "fiches")]
    assert "Café des parents au collège" in page and "Brouillon à ne pas montrer" not in page
    assert page.index("Ce que le programme a produit") < page.index("Rejoindre un atelier</h2>")
    assert 'name="code"' in page and "/villes/roubaix" in page


def test_city_page_lists_structures_links_sheets_and_frameworks(client, programme):
    page = client.get("/villes/roubaix").get_data(as_text=True)
    assert "École Jules-Ferry" in page and "Centre social de l&#39;Alma" in page
    assert "Café des parents au collège" in page and "Brouillon" not in page
    assert "CLAS" in page
    missing = client.get("/villes/atlantide", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert client.get("/villes/%3Cscript%3E").status_code == 404


def test_embeds_may_be_framed_and_every_other_page_may_not(client, programme):
    sheet = programme["sheets"][0]
    for path in (f"/integrer/fiche/{sheet}", "/integrer/carte", f"/integrer/boite-a-outils/{programme['toolkit']}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in response.headers
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = client.get(f"/fiches/{sheet}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert f"/integrer/fiche/{sheet}" in page.get_data(as_text=True)  # the "Intégrer" snippet
    assert client.get(f"/integrer/fiche/{programme['draft']}").status_code == 404


def test_embed_ancestors_can_be_a_list_of_sites():
    assert embed_ancestors("*") == "*"
    assert embed_ancestors("https://cs.example.org, https://ef.example.org") == \
        "'self' https://cs.example.org https://ef.example.org"
    assert embed_ancestors("https://ok.example.org 'unsafe-inline' javascript:x;") == "'self' https://ok.example.org"


def test_presentation_of_the_panorama_has_no_site_chrome(client, programme):
    page = client.get("/presentation/panorama").get_data(as_text=True)
    assert 'class="topbar"' not in page and "js/presentation.js" in page
    assert "Ce que le programme a produit" in page and 'data-slide="2"' in page


def test_presentation_of_a_toolkit_gives_one_slide_per_sheet(client, programme):
    page = client.get(f"/presentation/boite-a-outils/{programme['toolkit']}").get_data(as_text=True)
    assert page.count('class="slide slide--sheet"') == 2 and "Accueillir les parents" in page
    assert "Transférabilité" in page or "transférabilité" in page.lower()


def test_the_demo_holds_a_cross_network_link_waiting_for_the_schools_network(app, client, login, make_user):
    from workshop.showcase.demo import CENTRE, COORDINATORS, seed_showcase
    make_user("admin")
    with app.test_request_context():
        seed_showcase(db.session, "motdepasse-demo")
        db.session.commit()
        julien = db.session.scalar(db.select(User).where(User.email == COORDINATORS[1][0]))
    assert client.get("/api/liens.json").json["links"] == []  # unpublished until the schools' network confirms
    login(julien, "motdepasse-demo")
    waiting = client.get("/reseaux/en-attente").get_data(as_text=True)
    assert f"{CENTRE} ↔ " in waiting and "Une fiche de liaison pour l&#39;accompagnement scolaire" in waiting


def test_the_embed_code_keeps_a_title_with_quotes_inside_its_attribute(client, make_practice):
    import html
    sheet = make_practice(status="published", title='Le café" onload="alert(1)')
    page = client.get(f"/fiches/{sheet}").get_data(as_text=True)
    code = html.unescape(re.search(r"<textarea[^>]*data-embed-code>(.*?)</textarea>", page, re.S).group(1))
    assert 'title="Le café&#34; onload=&#34;alert(1)"' in code and 'onload="' not in code


def test_home_lists_the_published_restitutions_of_public_meetings(app, client, make_user):
    from datetime import datetime

    from workshop.meetings.models import Meeting
    organiser = make_user("facilitator")
    with app.app_context():
        for code, title, public, published in (("RESTIT01", "Rencontre de Roubaix", True, True),
                                               ("RESTIT02", "Rencontre à venir", True, False),
                                               ("RESTIT03", "Rencontre interne", False, True)):
            db.session.add(Meeting(code=code, title=title, starts_at=datetime(2026, 3, 12, 9),
                                   ends_at=datetime(2026, 3, 12, 17), organiser_id=organiser.id, public=public,
                                   published=published))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Rencontre de Roubaix" in page and "/restitution" in page
    assert "Rencontre à venir" not in page and "Rencontre interne" not in page


def test_home_and_city_page_show_the_practices_tried_in_the_field(app, client, programme):
    """The home page counts the sheets tried at a structure of the map, a city's page lists them (approved trials
    only: one waiting for its coordinator's approval is nobody's business yet)."""
    from datetime import date

    from workshop.trials.models import Trial

    first, second = programme["sheets"]
    with app.app_context():
        for practice, status in ((first, "approved"), (first, "approved"), (second, "pending")):
            db.session.add(Trial(practice_id=practice, structure_id=programme["school"], tried_on=date(2026, 10, 1),
                                 recommend="yes", status=status, author_name="A"))
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"<li><strong>1</strong> fiches essayées sur le terrain</li>", home)
    city = client.get("/villes/roubaix").get_data(as_text=True)
    tried = city[city.index('data-testid="city-trials"'):]
    tried = tried[:tried.index("</section>")]
    assert tried.count("Café des parents au collège") == 2 and "École Jules-Ferry · 10/2026" in tried
    assert "Devoirs partagés" not in tried
    assert "<strong>2</strong> essais de fiches" in city
    assert "fiches essayées sur le terrain" in client.get("/presentation/panorama").get_data(as_text=True)
