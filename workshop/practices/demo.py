"""Believable French practice sheets from phrase banks, inserted in bulk (20,000 in a few seconds).

Deterministic for a given seed, so benchmarks compare like with like.
"""

from __future__ import annotations

import html
import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from workshop.accounts.models import User
from workshop.frameworks import service as frameworks
from workshop.networks.models import Network
from workshop.practices import index
from workshop.practices.models import Practice, PracticeFacet, PracticeVersion, practice_network
from workshop.practices.text import html_list
from workshop.practices.vocabulary import AUDIENCES

CITIES = {
    "Roubaix": ["L'Alma", "L'Épeule", "Les Trois Ponts"], "Lille": ["Lille-Sud", "Moulins", "Fives"],
    "Tourcoing": ["La Bourgogne", "Belencontre"], "Marseille": ["Frais Vallon", "La Castellane", "Malpassé"],
    "Lyon": ["La Duchère", "Mermoz"], "Vaulx-en-Velin": ["Le Mas du Taureau", "La Grappinière"],
    "Vénissieux": ["Les Minguettes"], "Grenoble": ["Villeneuve", "Mistral"], "Saint-Étienne": ["Montreynaud"],
    "Toulouse": ["La Reynerie", "Bagatelle", "Les Izards"], "Montpellier": ["La Mosson", "Le Petit Bard"],
    "Nîmes": ["Pissevin", "Valdegour"], "Bordeaux": ["Les Aubiers", "Le Grand Parc"],
    "Nantes": ["Malakoff", "Bellevue"], "Rennes": ["Le Blosne", "Maurepas"], "Brest": ["Pontanézen"],
    "Le Havre": ["Caucriauville", "Mont-Gaillard"], "Rouen": ["Les Hauts de Rouen", "Grammont"],
    "Amiens": ["Amiens Nord", "Étouvie"], "Reims": ["Croix-Rouge", "Orgeval"], "Strasbourg": ["Le Neuhof",
                                                                                              "Hautepierre"],
    "Mulhouse": ["Les Coteaux", "Bourtzwiller"], "Metz": ["Borny", "Bellecroix"], "Nancy": ["Le Haut-du-Lièvre"],
    "Dijon": ["Les Grésilles", "Fontaine d'Ouche"], "Besançon": ["Planoise"], "Clermont-Ferrand": ["Les Vergnes"],
    "Limoges": ["Le Val de l'Aurence", "Beaubreuil"], "Poitiers": ["Les Couronneries"], "Tours": ["Le Sanitas"],
    "Orléans": ["La Source", "L'Argonne"], "Sarcelles": ["Les Lochères"], "Saint-Denis": ["Franc-Moisin"],
    "Aulnay-sous-Bois": ["Les 3000"], "Argenteuil": ["Le Val d'Argent"], "Avignon": ["Monclar", "Saint-Chamand"],
}
ACTIVITIES = (
    "Café des parents", "Réunion de rentrée commune", "Accompagnement à la scolarité en binôme",
    "Fiche de liaison enseignant-animateur", "Permanence parents", "Ateliers sociolinguistiques pour parents",
    "Forum des associations", "Portes ouvertes du centre social pour les enseignants", "Sortie familles-école",
    "Médiation école-familles", "Goûter des familles de fin de trimestre", "Petit-déjeuner de rentrée",
    "Comité de suivi partagé", "Ateliers numériques pour les parents", "Soirée jeux parents-enfants",
    "Exposition des travaux d'élèves", "Visite de l'école pour les familles nouvellement arrivées",
    "Espace parents dans l'école", "Club lecture parents-enfants", "Atelier devoirs en famille",
    "Rencontre trimestrielle des équipes", "Bourse aux fournitures", "Semaine de la parentalité",
    "Théâtre forum sur la scolarité", "Parcours d'accueil des nouveaux enseignants", "Passerelle CM2-6e",
    "Temps d'échange sur l'orientation", "Atelier cuisine du monde avec les familles",
    "Cellule de veille sur le décrochage", "Journal de quartier fait par les élèves",
)
COMPLEMENTS = (
    "avec le centre social", "au collège", "à l'école élémentaire", "en réseau d'éducation prioritaire",
    "pour les parents de CP", "pendant la semaine de rentrée", "le samedi matin", "dans le hall de l'école",
    "avec la médiathèque", "pour les familles allophones", "entre deux quartiers", "en partenariat avec la ville",
    "au centre social", "avec les délégués de parents", "pour les collégiens de 6e", "tout au long de l'année",
)
CONTEXT = (
    "Dans le quartier {qpv}, à {city}, l'école et le centre social se connaissaient peu.",
    "Les enseignants constataient que de nombreux parents ne venaient jamais aux réunions.",
    "Le centre social accueillait déjà les enfants en accompagnement à la scolarité le soir.",
    "La coordonnatrice REP+ souhaitait rapprocher les équipes autour des familles.",
    "Plusieurs familles récemment arrivées maîtrisaient mal le français écrit.",
    "Le contrat de ville prévoyait un axe sur la réussite éducative.",
    "Un groupe de parents avait exprimé le besoin d'un lieu pour échanger.",
    "Le collège de secteur voyait augmenter les absences en 6e.",
    "Les animateurs du CLAS ne savaient pas ce que les enfants travaillaient en classe.",
    "Une nouvelle direction d'école est arrivée avec l'envie d'ouvrir l'établissement.",
)
OBJECTIVES = (
    "Faire entrer les parents dans l'école dans un cadre rassurant.", "Créer une culture commune entre enseignants "
    "et animateurs.", "Mieux suivre les enfants accompagnés par les deux structures.",
    "Donner aux parents les clés pour comprendre le fonctionnement du collège.",
    "Valoriser les compétences des familles.", "Prévenir le décrochage scolaire dès les premiers signes.",
    "Partager les informations utiles dans le respect de chacun.", "Rendre les parents acteurs de la scolarité.",
)
OBSTACLES = (
    "Les enseignants changent chaque année et tout est à reconstruire.",
    "Les horaires du centre social ne collent pas avec ceux de l'école.",
    "Les parents ne se sentent pas légitimes pour entrer dans l'école.", "Le vocabulaire de l'école est opaque.",
    "Personne n'a de temps dédié à la coordination.", "Les informations circulent mal entre les équipes.",
    "La barrière de la langue freine les échanges.", "Les financements sont annuels et incertains.",
    "Certaines familles ont eu une mauvaise expérience de l'école.", "Les réunions ont lieu en journée.",
    "La confidentialité des informations inquiète les enseignants.", "Les locaux ne sont pas disponibles le soir.",
    "Les attentes de chacun ne sont pas dites clairement.", "Le turn-over des animateurs est important.",
)
LEVERS = (
    "Un café des parents animé ensemble, dans le hall, le vendredi matin.",
    "La coordonnatrice REP+ fait le lien et connaît les deux équipes.",
    "Une convention simple signée par la direction d'école et le centre social.",
    "Des interprètes bénévoles issus du quartier.", "Un temps de rencontre des équipes à chaque rentrée.",
    "Un affichage commun dans l'école et au centre social.", "Des invitations portées en main propre par les "
    "enfants.", "Un référent familles identifié par tous.", "Le soutien de l'inspection de circonscription.",
    "Des horaires décalés en fin de journée.", "Un financement REAAP sur trois ans.",
    "Une fiche de liaison d'une page, remplie en cinq minutes.", "Des parents relais qui parlent aux autres parents.",
)
STEPS = (
    "Rencontre entre la direction d'école et le centre social en juin.", "Choix d'un créneau et d'un lieu avec "
    "des parents volontaires.", "Invitation des familles par les enseignants et les animateurs.",
    "Première séance animée en binôme.", "Bilan à mi-année avec les parents.", "Présentation au conseil d'école.",
    "Formation commune d'une demi-journée.", "Mise en place d'un outil de suivi partagé.",
    "Réunion de bilan en fin d'année et reconduction.", "Communication dans le journal de quartier.",
)
MEANS = (
    "Une salle prêtée par l'école.", "Deux heures d'animation par semaine.", "Un budget de 500 € pour le goûter.",
    "Le temps de la référente familles.", "Des outils de traduction.", "Un financement CLAS.",
)
VIGILANCE = (
    "Ne pas transformer le café en réunion d'information descendante.", "Respecter la confidentialité des "
    "situations.", "Veiller à ce que tous les parents se sentent invités.", "Ne pas tout faire reposer sur une "
    "personne.", "Anticiper le départ des personnes moteurs.",
)
EVALUATION = (
    "La participation des parents est passée de 5 à 25 personnes.", "Les enseignants connaissent maintenant les "
    "animateurs.", "Les absences ont baissé au premier trimestre.", "Un questionnaire de satisfaction très "
    "positif.", "Les parents proposent eux-mêmes les thèmes.",
)
TRANSFER = (
    "Facile à reproduire dans une autre école avec un partenaire de proximité.", "Demande un portage fort de la "
    "direction.", "Adaptable au collège avec un créneau en fin de journée.",
)
ROLES = ("Directrice d'école", "Principal du collège", "CPE", "Coordonnatrice REP+", "Référente familles",
         "Directeur du centre social", "Animatrice CLAS")
PEOPLE = ("Nadia", "Karim", "Élodie", "Sophie", "Mamadou", "Claire", "Yasmina", "Julien", "Fatou", "Thomas")
THEMES = ("Parents", "Accueil", "Accompagnement à la scolarité", "Langue française", "Numérique", "Orientation",
          "Décrochage", "Coéducation", "Culture", "Santé", "Petite enfance", "Transition école-collège",
          "Citoyenneté", "Loisirs éducatifs", "Communication", "Cœur de quartier")
PUBLICS = ("Les parents d'élèves de l'école élémentaire.", "Les familles du quartier, en particulier les mères.",
           "Les collégiens de 6e et leurs parents.", "Les parents allophones.", "Les enseignants et les animateurs.")
STATUSES = ("published",) * 8 + ("draft", "submitted")
AUDIENCE_KEYS = list(AUDIENCES)
CITY_NAMES = list(CITIES)


def _ul(rng: random.Random, bank: tuple[str, ...], low: int, high: int) -> tuple[str, str]:
    items = rng.sample(bank, rng.randint(low, high))
    return html_list(items), "\n".join(items)


def _p(rng: random.Random, bank: tuple[str, ...], count: int, **fmt) -> tuple[str, str]:
    text = " ".join(s.format(**fmt) for s in rng.sample(bank, count))
    return f"<p>{html.escape(text)}</p>", text


def generate(rng: random.Random, frameworks: list[str]) -> dict:
    """One sheet's fields (HTML sections and, under `_plain`, their plain text for the index)."""
    city = rng.choice(CITY_NAMES)
    qpv = rng.choice(CITIES[city])
    plain = {}
    row = {"title": f"{rng.choice(ACTIVITIES)} {rng.choice(COMPLEMENTS)} — {city}",
           "summary": f"{rng.choice(OBJECTIVES)} Une expérience menée à {city}, quartier {qpv}.",
           "kind": rng.choices(("practice", "experience", "tool"), (6, 3, 1))[0],
           "cities": [city], "qpv": [qpv],
           "structures": [{"id": None, "name": f"École {rng.choice(PEOPLE)}-{rng.choice(('Curie', 'Jaurès', 'Macé'))}"},
                          {"id": None, "name": f"Centre social de {qpv}"}],
           "frameworks": rng.sample(frameworks, rng.randint(1, 2)), "themes": rng.sample(THEMES, rng.randint(1, 3)),
           "audiences": rng.sample(AUDIENCE_KEYS, rng.randint(1, 2))}
    sections = {
        "context": _p(rng, CONTEXT, 2, city=city, qpv=qpv), "objectives": _ul(rng, OBJECTIVES, 2, 3),
        "public": _p(rng, PUBLICS, 1),
        "actors": _ul(rng, ROLES, 2, 4), "steps": _ul(rng, STEPS, 3, 5), "means": _ul(rng, MEANS, 1, 3),
        "obstacles": _ul(rng, OBSTACLES, 2, 4), "levers": _ul(rng, LEVERS, 2, 4),
        "vigilance": _ul(rng, VIGILANCE, 1, 2), "evaluation": _p(rng, EVALUATION, 2),
        "transferability": _p(rng, TRANSFER, 1),
        "contacts": _p(rng, (f"{rng.choice(ROLES)} : {rng.choice(PEOPLE)}, {city}.",), 1),
    }
    for name, (fragment, text) in sections.items():
        row[name], plain[name] = fragment, text
    row["_plain"] = plain
    return row


def seed_practices(session: Session, count: int, *, seed: int = 2024) -> int:
    """Insert `count` published-looking sheets (some drafts) with versions, facets and index, in bulk (flushed;
    the caller commits)."""
    if count <= 0:
        return 0
    rng = random.Random(seed)
    labels = frameworks.labels(session)
    keys = list(labels)
    networks = list(session.scalars(select(Network.id)))
    author = session.scalar(select(User).order_by(User.id).limit(1))
    base = datetime(2023, 9, 1)
    practices, drafts = [], []
    for _offset in range(count):
        row = generate(rng, keys)
        plain = row.pop("_plain")
        status = rng.choice(STATUSES)
        moment = base + timedelta(minutes=rng.randint(0, 60 * 24 * 800))
        nets = rng.sample(networks, rng.randint(1, len(networks))) if networks else []
        practices.append({"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), **row,
                          "status": status, "version": 1, "toolkit_uses": rng.choice((0, 0, 0, 1, 2, 5)),
                          "created_by_id": author.id if author else None, "created_at": moment,
                          "updated_at": moment, "published_at": moment if status == "published" else None})
        drafts.append((row, plain, status, moment, nets))
    # Core inserts (plain executemany): the ORM's bulk path costs more than the database here. The ids come
    # from the database (given ones would leave PostgreSQL's sequence behind: the next sheet would collide).
    ids = session.scalars(insert(Practice.__table__).returning(Practice.__table__.c.id, sort_by_parameter_order=True),
                          practices).all() if practices else []
    versions, links, facets, docs = [], [], [], []
    for pid, (row, plain, status, moment, nets) in zip(ids, drafts, strict=True):
        versions.append({"practice_id": pid, "number": 1, "data": {**row, "networks": sorted(nets)},
                         "author_id": author.id if author else None, "author_name": author.name if author else "",
                         "note": "Création", "at": moment})
        links += [{"practice_id": pid, "network_id": n} for n in nets]
        facets += [{"practice_id": pid, "facet": f, "value": v} for f, key in
                   (("theme", "themes"), ("framework", "frameworks"), ("audience", "audiences"),
                    ("city", "cities"), ("qpv", "qpv")) for v in row[key]]
        facets += [{"practice_id": pid, "facet": "network", "value": str(n)} for n in nets]
        facets += [{"practice_id": pid, "facet": "kind", "value": row["kind"]},
                   {"practice_id": pid, "facet": "status", "value": status}]
        docs.append((pid, _document(row, plain, labels)))
    if not ids:
        return 0
    session.execute(insert(PracticeVersion.__table__), versions)
    if links:
        session.execute(insert(practice_network), links)
    session.execute(insert(PracticeFacet.__table__), facets)
    for i in range(0, len(docs), 2000):
        index.index_rows(session, docs[i:i + 2000])
    session.flush()
    return count


def _document(row: dict, plain: dict, labels: dict) -> dict:
    """The index entry, from the plain texts already at hand (no HTML parsing for 20,000 sheets)."""
    rest = [row["summary"], *(plain[k] for k in plain if k not in ("obstacles", "levers")), " ".join(row["themes"]),
            " ".join(row["cities"]), " ".join(row["qpv"]), " ".join(s["name"] for s in row["structures"]),
            " ".join(labels.get(k, k) for k in row["frameworks"])]
    return {"title": index.fold(row["title"]), "obstacles": index.fold(plain["obstacles"]),
            "levers": index.fold(plain["levers"]), "body": index.fold("\n".join(rest))}


def seed_up_to(session: Session, total: int) -> int:
    """Bring the repository to `total` sheets (idempotent: running it twice adds nothing the second time)."""
    existing = session.scalar(select(func.count()).select_from(Practice)) or 0
    return seed_practices(session, total - existing, seed=2024 + existing)


def link_to_map(session: Session) -> int:
    """Once the demo map exists, point each demo sheet that names no map structure at up to two structures of its
    first city (a school, a social centre), chosen among those whose networks all approved the sheet: a named
    structure's network must agree before a sheet is public (`networks.consent`). Returns the sheets linked."""
    from workshop.mapping.models import City, Structure, structure_network  # mapping seeds after practices

    networks_of: dict[int, set[int]] = {}
    for structure_id, network_id in session.execute(select(structure_network.c.structure_id,
                                                           structure_network.c.network_id)):
        networks_of.setdefault(structure_id, set()).add(network_id)
    by_city: dict[str, list[tuple[int, str, str]]] = {}
    for sid, name, kind, city in session.execute(
            select(Structure.id, Structure.name, Structure.kind, City.name)
            .join(City, City.insee == Structure.city_insee)
            .where(Structure.public.is_(True), Structure.validated.is_(True)).order_by(Structure.id)):
        by_city.setdefault(city, []).append((sid, name, kind))
    linked = 0
    for practice in session.scalars(select(Practice).order_by(Practice.id)):
        if any(isinstance(s, dict) and s.get("id") for s in practice.structures or []) or not practice.cities:
            continue
        allowed = {n.id for n in practice.networks}
        fits = [(sid, name, kind) for sid, name, kind in by_city.get(practice.cities[0], [])
                if networks_of.get(sid, set()) <= allowed]
        picked = {}
        for wanted in ("ecole", "centre_social"):
            found = [item for item in fits if item[2].startswith(wanted)]
            if found:
                sid, name, _kind = found[practice.id % len(found)]
                picked[sid] = {"id": sid, "name": name}
        if picked:
            practice.structures = list(picked.values())
            index.index_practice(session, practice)  # the search reads the names it names
            linked += 1
    session.flush()
    return linked
