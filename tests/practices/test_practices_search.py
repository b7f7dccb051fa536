"""Full-text search: accents and ligatures, prefixes, ranking, excerpts, facets, sorts, visibility, sync."""

from __future__ import annotations

from tests.practices.conftest import sheet
from workshop.accounts.models import User
from workshop.extensions import db
from workshop.practices import reviews, search, sheets


def publish(session, people, **fields):
    member, admin = db.session.get(User, people.member.id), db.session.get(User, people.admin.id)
    practice = sheets.create_practice(session, member, sheet(networks=[people.net_cs], **fields))
    reviews.transition(session, member, practice.id, "submit")
    reviews.transition(session, admin, practice.id, "publish")
    return practice


def titles(session, text, viewer=None, **kwargs):
    return [h.practice.title for h in search.search(session, search.Query(text=text, **kwargs), viewer).hits]


def test_words_without_accents_find_the_accented_title(session, people):
    publish(session, people, title="Réunion des parents d'élèves")
    publish(session, people, title="Atelier cuisine au centre social", context="Rien à voir.",
            obstacles="", levers="", themes=["Cuisine"])
    assert titles(session, "reunion parents eleves") == ["Réunion des parents d'élèves"]
    assert titles(session, "RÉUNION Élèves") == ["Réunion des parents d'élèves"]


def test_oe_and_ligature_find_each_other(session, people):
    publish(session, people, title="Le cœur du quartier", context="Une œuvre commune.")
    publish(session, people, title="Coeur de ville", context="Sans ligature.")
    assert sorted(titles(session, "coeur")) == ["Coeur de ville", "Le cœur du quartier"]
    assert sorted(titles(session, "cœur")) == ["Coeur de ville", "Le cœur du quartier"]
    assert titles(session, "oeuvre") == ["Le cœur du quartier"]


def test_prefixes_match(session, people):
    publish(session, people, title="Accompagnement à la scolarité", themes=["Scolarité"])
    assert titles(session, "accompagn scol") == ["Accompagnement à la scolarité"]


def test_title_matches_rank_above_body_matches(session, people):
    publish(session, people, title="Fiche générale", context="On parle un peu de médiation ici.")
    publish(session, people, title="La médiation avec les familles")
    assert titles(session, "mediation")[0] == "La médiation avec les familles"


def test_excerpts_are_highlighted_and_escaped(session, people):
    publish(session, people, title="Fiche", context="<p>Le goûter &lt;b&gt; partagé avec les familles</p>")
    hit = search.search(session, search.Query(text="gouter"), None).hits[0]
    assert "<mark>goûter</mark>" in str(hit.excerpt)
    assert "<b>" not in str(hit.excerpt)  # escaped (SQLite) or dropped as markup (PostgreSQL's ts_headline)


def test_no_sheet_with_every_word_falls_back_to_some_words(session, people):
    publish(session, people, title="Café des parents")
    results = search.search(session, search.Query(text="café licorne"), None)
    assert results.relaxed and [h.practice.title for h in results.hits] == ["Café des parents"]


def test_drafts_are_found_only_by_those_who_may_read_them(session, people):
    member = db.session.get(User, people.member.id)
    sheets.create_practice(session, member, sheet(title="Brouillon secret", networks=[people.net_cs]))
    assert titles(session, "brouillon secret") == []
    assert titles(session, "brouillon secret", db.session.get(User, people.other.id)) == []
    assert titles(session, "brouillon secret", member) == ["Brouillon secret"]
    assert titles(session, "brouillon secret", db.session.get(User, people.coord_cs.id)) == ["Brouillon secret"]
    assert titles(session, "brouillon secret", db.session.get(User, people.coord_ef.id)) == []


def test_facets_count_and_filter(session, people):
    publish(session, people, title="A", cities=["Roubaix"], themes=["Parents"], frameworks=["clas"], kind="tool")
    publish(session, people, title="B", cities=["Roubaix"], themes=["Numérique"], frameworks=["reaap"])
    publish(session, people, title="C", cities=["Lille"], themes=["Parents"], frameworks=["clas"],
            qpv=["Moulins"], audiences=["collegiens"])
    results = search.search(session, search.Query(), None)
    assert dict(results.facets["city"]) == {"Roubaix": 2, "Lille": 1}
    assert dict(results.facets["framework"]) == {"clas": 2, "reaap": 1}
    assert dict(results.facets["kind"]) == {"tool": 1, "practice": 2}
    assert dict(results.facets["network"]) == {str(people.net_cs): 3}
    filtered = search.search(session, search.Query(filters={"city": ["Roubaix"], "theme": ["Parents"]}), None)
    assert [h.practice.title for h in filtered.hits] == ["A"]
    assert [h.practice.title for h in search.search(
        session, search.Query(filters={"qpv": ["Moulins"], "audience": ["collegiens"]}), None).hits] == ["C"]
    assert [h.practice.title for h in search.search(session, search.Query(filters={"kind": ["tool"]}), None)
            .hits] == ["A"]


def test_sorts_by_recency_and_use_in_toolkits(session, people):
    first = publish(session, people, title="Parents première")
    second = publish(session, people, title="Parents seconde")
    assert titles(session, "parents", sort="recent") == ["Parents seconde", "Parents première"]
    sheets.set_toolkit_uses(session, {first.id: 4, second.id: 1})
    assert titles(session, "parents", sort="toolkits") == ["Parents première", "Parents seconde"]


def test_the_index_follows_every_save(session, people):
    practice = publish(session, people, title="Jardin partagé")
    admin = db.session.get(User, people.admin.id)
    sheets.update_practice(session, admin, practice.id,
                            sheet(title="Potager pédagogique", networks=[people.net_cs]), practice.version)
    assert titles(session, "jardin") == [] and titles(session, "potager") == ["Potager pédagogique"]


def test_similar_practices_share_words_and_exclude_drafts_and_itself(session, people):
    main = publish(session, people, title="Café des parents au collège", themes=["Parents"])
    publish(session, people, title="Café des parents à l'école", themes=["Parents"])
    publish(session, people, title="Atelier vélo", themes=["Mobilité"], context="x", obstacles="", levers="",
            summary="Réparer des vélos.", transferability="Avec un atelier de réparation.")
    member = db.session.get(User, people.member.id)
    sheets.create_practice(session, member, sheet(title="Café des parents brouillon", networks=[people.net_cs]))
    assert [h.practice.title for h in search.similar(session, main)] == ["Café des parents à l'école"]


def test_suggestions_match_obstacles_and_show_levers(session, people):
    publish(session, people, title="Horaires", obstacles="Les horaires de l'école et du centre ne collent pas.",
            levers="Un créneau commun le mercredi matin.")
    hits = search.suggestions(session, "Nos horaires ne sont pas compatibles")
    assert [h.practice.title for h in hits] == ["Horaires"]
    assert "mercredi" in str(hits[0].excerpt)


def test_facet_counts_are_exact_and_follow_saves_and_status_changes(session, people):
    for n in range(7):
        publish(session, people, title=f"Goûter {n}", cities=["Roubaix" if n % 2 else "Lille"], themes=["Parents"])
    results = search.search(session, search.Query(text="gouter"), None)
    assert results.total == 7 and dict(results.facets["city"]) == {"Lille": 4, "Roubaix": 3}
    assert dict(results.facets["theme"]) == {"Parents": 7}
    admin = db.session.get(User, people.admin.id)
    archived = reviews.transition(session, admin, results.hits[0].practice.id, "archive")
    after = search.search(session, search.Query(text="gouter"), None)
    assert after.total == 6 and archived.id not in [h.practice.id for h in after.hits]
    assert sum(count for _value, count in after.facets["city"]) == 6
    # A saved edit moves a sheet from one city to another: the counts follow at the next search.
    moved = next(h.practice for h in after.hits if h.practice.cities == ["Lille"])
    sheets.update_practice(session, admin, moved.id, {**sheets.snapshot(moved), "cities": ["Roubaix"]},
                            moved.version)
    edited = search.search(session, search.Query(text="gouter"), None)
    assert dict(edited.facets["city"])["Roubaix"] == dict(after.facets["city"])["Roubaix"] + 1


def test_relevance_orders_by_bm25_and_pages_do_not_overlap(session, people):
    publish(session, people, title="Atelier", context="On évoque la médiation une fois.")
    publish(session, people, title="Médiation scolaire", obstacles="La médiation manque.")
    publish(session, people, title="La médiation avec les familles")
    first = titles(session, "mediation", per_page=2)
    second = titles(session, "mediation", per_page=2, page=2)
    assert first == ["Médiation scolaire", "La médiation avec les familles"]  # title and obstacles, title
    assert second == ["Atelier"]
