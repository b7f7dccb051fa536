"""Toolkits: building (sections, versions, publication, rights) and the typeset PDF with a real table of contents."""

from __future__ import annotations

import html
import re

import pytest

from tests.toolkits.conftest import flat, page_texts, read_pdf, to_png
from workshop.errors import Forbidden, ValidationError
from workshop.extensions import db


def _edit_practice(app, coordinator, practice_id: int, **changes) -> None:
    from workshop.accounts.models import User
    from workshop.practices import rights, sheets

    with app.test_request_context():
        practice = rights.get_practice(db.session, practice_id)
        data = {**sheets.snapshot(practice), **changes}
        sheets.update_practice(db.session, db.session.get(User, coordinator.id), practice_id, data,
                                  practice.version)
        db.session.commit()


def test_builder_records_versions_and_flags_a_newer_one_to_update_on_purpose(app, client, login, coordinator,
                                                                           publish_practices, build):
    from workshop.practices.models import Practice
    from workshop.toolkits import service

    ids = publish_practices(3)
    toolkit_id = build([("Accueillir", ids[:2]), ("Suivre", ids[2:])], introduction="Bonjour\n\nDeux paragraphes.")
    _edit_practice(app, coordinator, ids[0], summary="Résumé réécrit après relecture.")
    with app.test_request_context():
        toolkit = service.get_toolkit(db.session, toolkit_id)
        assert [(s.title, [e.practice_id for e in s.entries]) for s in toolkit.sections] == \
            [("Accueillir", ids[:2]), ("Suivre", ids[2:])]
        assert toolkit.introduction == "<p>Bonjour</p><p>Deux paragraphes.</p>"
        [stale] = service.outdated(db.session, toolkit)
        assert (stale.practice_id, stale.included, stale.current) == (ids[0], 1, 2)
        assert db.session.get(Practice, ids[0]).toolkit_uses == 1
    login(coordinator)
    page = client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)
    assert "version 1 incluse, version 2 disponible" in page
    # The printed toolkit keeps version 1 until the editors take version 2.
    old = client.get(f"/boites-a-outils/{toolkit_id}.md").get_data(as_text=True)
    assert "Résumé réécrit" not in old and "Un rendez-vous régulier" in old
    assert client.post(f"/boites-a-outils/{toolkit_id}/fiches/{ids[0]}/actualiser").status_code == 302
    assert "Résumé réécrit" in client.get(f"/boites-a-outils/{toolkit_id}.md").get_data(as_text=True)
    assert "version 1 incluse" not in client.get(f"/boites-a-outils/{toolkit_id}/modifier").get_data(as_text=True)


def test_builder_form_saves_sections_from_the_page_and_refuses_bad_input(app, client, login, coordinator,
                                                                        publish_practices, build):
    ids = publish_practices(2)
    toolkit_id = build([("Section", [])])
    login(coordinator)
    form = {"title": "Boîte « Rentrée »", "subtitle": "", "introduction": "<p>Intro <script>x</script></p>",
            "contacts": "", "editors_line": "Les coordinations", "revision": "2",
            "sections": f'[{{"title": "Première", "entries": [{ids[1]}, {ids[0]}]}}]'}
    assert client.post(f"/boites-a-outils/{toolkit_id}/modifier", data=form).status_code == 302
    json_export = client.get(f"/boites-a-outils/{toolkit_id}.json").get_json()
    assert json_export["title"] == "Boîte « Rentrée »"
    assert [p["id"] for p in json_export["sections"][0]["practices"]] == [ids[1], ids[0]]
    assert "<script>" not in json_export["introduction"]
    # A stale form (revision 2 again) is refused, nothing overwritten.
    stale = client.post(f"/boites-a-outils/{toolkit_id}/modifier", data={**form, "title": "Autre"})
    assert stale.status_code == 409 and "entre-temps" in stale.get_data(as_text=True)
    for sections, message in ((f'[{{"title": "A", "entries": [{ids[0]}, {ids[0]}]}}]', "qu'une fois"),
                              ('[{"title": "A", "entries": [999999]}]', "introuvables"),
                              ('[{"title": "", "entries": []}]', "vide"),
                              ('{"oops": 1}', "forme"), ("pas du json", "forme")):
        response = client.post(f"/boites-a-outils/{toolkit_id}/modifier",
                               data={**form, "revision": "3", "sections": sections})
        assert response.status_code == 400, sections
        assert message in html.unescape(response.get_data(as_text=True)), message


def test_only_published_practices_enter_and_only_coordinators_build(app, client, login, make_user, coordinator,
                                                                    publish_practices, build, networks):
    from tests.toolkits.conftest import practice_data
    from workshop.accounts.models import User
    from workshop.practices import sheets
    from workshop.toolkits import service

    toolkit_id = build([("A", [])])
    with app.test_request_context():
        user = db.session.get(User, coordinator.id)
        draft = sheets.create_practice(db.session, user, practice_data(9))
        with pytest.raises(ValidationError, match="publiées"):
            service.save_toolkit(db.session, user, toolkit_id, {"title": "T", "sections": [
                {"title": "A", "entries": [draft.id]}]}, 2)
        member = make_user("member")
        with pytest.raises(Forbidden):
            service.create_toolkit(db.session, db.session.get(User, member.id), "Essai")
    login(member)
    assert client.get(f"/boites-a-outils/{toolkit_id}/modifier").status_code == 403
    assert client.get(f"/boites-a-outils/{toolkit_id}").status_code == 403  # a draft is not public


def test_publish_gives_a_public_link_and_unpublish_takes_it_back(app, client, login, coordinator,
                                                               publish_practices, build):
    from workshop.toolkits import service

    toolkit_id = build([("Section", publish_practices(1))], title="Boîte publique")
    login(coordinator)
    assert client.post(f"/boites-a-outils/{toolkit_id}/publier").status_code == 302
    with app.app_context():
        token = service.get_toolkit(db.session, toolkit_id).public_token
    client.post("/deconnexion")
    page = client.get(f"/b/{token}")
    assert page.status_code == 200 and "Boîte publique" in page.get_data(as_text=True)
    assert client.get(f"/boites-a-outils/{toolkit_id}").status_code == 200
    login(coordinator)
    client.post(f"/boites-a-outils/{toolkit_id}/depublier")
    client.post("/deconnexion")
    assert client.get(f"/b/{token}").status_code == 404


def test_builder_search_returns_published_practices_with_facets(client, login, coordinator, publish_practices,
                                                                build):
    ids = publish_practices(4)
    toolkit_id = build([("A", [])])
    login(coordinator)
    data = client.get(f"/boites-a-outils/{toolkit_id}/recherche?q=cafe+parents").get_json()
    assert data["ok"] and data["total"] == 4 and {h["id"] for h in data["hits"]} == set(ids)
    assert dict(data["facets"]["city"])["Lille"] == 1
    lille = client.get(f"/boites-a-outils/{toolkit_id}/recherche?city=Lille").get_json()
    assert [h["cities"] for h in lille["hits"]] == [["Lille"]]


def _toc_numbers(toc_text: str, titles: list[str]) -> dict[str, int]:
    joined = flat(toc_text)
    found = {}
    for title in titles:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\b", joined)
        assert match, f"{title!r} missing from the table of contents"
        found[title] = int(match[1])
    return found


@pytest.mark.slow
def test_toolkit_pdf_has_cover_toc_with_true_page_numbers_index_and_back_matter(app, client, login, coordinator,
                                                                                publish_practices, build,
                                                                                tmp_path):
    ids = publish_practices(12)
    toolkit_id = build([("Accueillir les familles", ids[:5]), ("Faire équipe", ids[5:9]), ("Évaluer", ids[9:])],
                       introduction="<p>Ce recueil rassemble des pratiques <strong>éprouvées</strong>.</p>",
                       contacts="<p>Coordination : coordination@exemple.fr</p>", editors_line="Les coordinations")
    login(coordinator)
    response = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
    assert response.status_code == 200
    reader = read_pdf(response.data)
    texts = page_texts(reader)
    assert len(reader.pages) >= 16
    cover = flat(texts[0])
    assert "Coopérer avec les familles" in cover and "12 fiches pratiques" in cover
    assert "Centres sociaux" in texts[0] and "École-familles" in texts[0]
    toc_index = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Sommaire"))
    with app.app_context():
        from workshop.practices.models import Practice

        titles = [db.session.get(Practice, i).title for i in ids]
    toc = texts[toc_index] + texts[toc_index + 1]
    numbers = _toc_numbers(toc, titles + ["Faire équipe", "Comment cette boîte à outils a été faite"])
    dividers = {i for i, t in enumerate(texts) if re.search(r"^\d+ fiches?$", t, re.M)}  # section title pages
    for title, printed in numbers.items():
        actual = next(i + 1 for i, t in enumerate(texts) if i > toc_index and title in flat(t)
                      and (title not in titles or i not in dividers))
        assert printed == actual, f"{title}: TOC says page {printed}, found on page {actual}"
    index_number = _toc_numbers(toc, ["Index des dispositifs et des villes"])["Index des dispositifs et des villes"]
    index_page = texts[index_number - 1]
    assert index_page.lstrip().startswith("Index") and "Par dispositif" in index_page and "REAAP" in index_page
    # Index entries carry page numbers too: "<title>, p. N" must point at the page of that practice.
    title, printed = re.search(r"(Café des parents n° \d+ à .+?), p\.\s(\d+)", flat(index_page)).groups()
    assert printed == str(numbers[title])
    assert "Par ville" in " ".join(texts[index_number - 1:])
    back = flat(texts[-1])
    assert "Comment cette boîte à outils a été faite" in back and "CC BY-SA 4.0" in back
    assert "coordination@exemple.fr" in back
    assert reader.metadata.title == "Coopérer avec les familles"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert len(reader.outline) >= 4  # bookmarks: cover, introduction, contents, sections...
    path = tmp_path / "boite.pdf"
    path.write_bytes(response.data)
    pngs = to_png(path, "boite-a-outils", 1, 4)
    assert len(pngs) == 4
