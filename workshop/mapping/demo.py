"""Believable demo cartography: structures in 32 communes of Seine-Saint-Denis (93), most of them in a QPV,
about two links per structure. Deterministic (seeded), bulk-inserted (thousands of rows for benchmarks)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from workshop.frameworks import service as frameworks_service
from workshop.mapping import geo, vocabulary
from workshop.mapping.models import City, Link, LinkChange, Qpv, Structure, structure_network
from workshop.networks import service as networks

# (INSEE code, name, latitude, longitude of the centre)
CITIES = (
    ("93001", "Aubervilliers", 48.9146, 2.3821), ("93005", "Aulnay-sous-Bois", 48.9386, 2.4975),
    ("93006", "Bagnolet", 48.8692, 2.4181), ("93007", "Le Blanc-Mesnil", 48.9386, 2.4614),
    ("93008", "Bobigny", 48.9077, 2.4395), ("93010", "Bondy", 48.9022, 2.4828),
    ("93013", "Le Bourget", 48.9353, 2.4253), ("93014", "Clichy-sous-Bois", 48.9100, 2.5461),
    ("93027", "La Courneuve", 48.9322, 2.3967), ("93029", "Drancy", 48.9230, 2.4455),
    ("93030", "Dugny", 48.9536, 2.4164), ("93031", "Épinay-sur-Seine", 48.9553, 2.3092),
    ("93032", "Gagny", 48.8833, 2.5333), ("93039", "L'Île-Saint-Denis", 48.9372, 2.3375),
    ("93046", "Livry-Gargan", 48.9192, 2.5361), ("93047", "Montfermeil", 48.8983, 2.5664),
    ("93048", "Montreuil", 48.8611, 2.4437), ("93050", "Neuilly-sur-Marne", 48.8536, 2.5292),
    ("93051", "Noisy-le-Grand", 48.8486, 2.5528), ("93053", "Noisy-le-Sec", 48.8914, 2.4597),
    ("93055", "Pantin", 48.8944, 2.4092), ("93057", "Les Pavillons-sous-Bois", 48.9067, 2.5056),
    ("93059", "Pierrefitte-sur-Seine", 48.9656, 2.3614), ("93063", "Romainville", 48.8842, 2.4350),
    ("93064", "Rosny-sous-Bois", 48.8747, 2.4861), ("93066", "Saint-Denis", 48.9356, 2.3539),
    ("93070", "Saint-Ouen-sur-Seine", 48.9119, 2.3342), ("93071", "Sevran", 48.9386, 2.5275),
    ("93072", "Stains", 48.9500, 2.3833), ("93073", "Tremblay-en-France", 48.9497, 2.5683),
    ("93078", "Villepinte", 48.9617, 2.5328), ("93079", "Villetaneuse", 48.9583, 2.3447),
)
QUARTERS = ("Les Tilleuls", "Cité des Fleurs", "La Source", "Le Clos", "Les Marronniers", "Centre-Sud",
            "La Noue", "Les Beaudottes", "Floréal", "Les Courtillières", "Le Chêne-Pointu", "La Rose des Vents")
PEOPLE = ("Jean Jaurès", "Louise Michel", "Pablo Neruda", "Paul Éluard", "Jules Vallès", "Marie Curie",
          "Victor Hugo", "Jacques Prévert", "Rosa Parks", "Nelson Mandela", "Aimé Césaire", "Danielle Casanova",
          "Joliot-Curie", "Langevin-Wallon", "Robespierre", "Henri Barbusse", "Anatole France", "Romain Rolland",
          "Frida Kahlo", "Olympe de Gouges", "Simone Veil", "Gisèle Halimi", "Toussaint Louverture",
          "Georges Brassens", "Jean Moulin", "Lucie Aubrac", "Guy Môquet", "Elsa Triolet", "Langston Hughes")
ASSOCIATIONS = ("Association d'accompagnement scolaire {q}", "Les Ateliers du {q}", "Femmes relais {c}",
                "Ludothèque {q}", "Association des parents d'élèves {c}", "Club de prévention {q}")
KIND_WEIGHTS = {"ecole_maternelle": 20, "ecole_elementaire": 25, "ecole_primaire": 5, "college": 12, "lycee": 3,
                "centre_social": 15, "espace_vie_sociale": 5, "association": 10, "service_municipal": 5}
LEVEL_WEIGHTS = {"unknown": 3, "acquaintance": 12, "information": 18, "consultation": 14, "coordination": 18,
                 "cooperation": 17, "co_construction": 10, "formal_partnership": 8}
QPV_HALF_SIZE = 0.008  # degrees: each demo QPV is a square of ~1.8 km around a point of its commune
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai(number: int) -> str:
    """A UAI of the 93 with its real check letter (number modulo 23)."""
    digits = f"093{number:04d}"
    return digits + UAI_LETTERS[int(digits) % 23]


def _name(rng: random.Random, kind: str, city: str, quarter: str) -> str:
    person = rng.choice(PEOPLE)
    return {
        "ecole_maternelle": f"École maternelle {person}", "ecole_elementaire": f"École élémentaire {person}",
        "ecole_primaire": f"École primaire {person}", "college": f"Collège {person}", "lycee": f"Lycée {person}",
        "centre_social": f"Centre social {rng.choice((quarter, person))}",
        "espace_vie_sociale": f"Espace de vie sociale {quarter}",
        "association": rng.choice(ASSOCIATIONS).format(q=quarter, c=city),
        "service_municipal": rng.choice(("Service réussite éducative", "Maison des parents",
                                          "Service jeunesse", "Programme de réussite éducative")) + f" de {city}",
    }[kind]


def _seed_places(session: Session, rng: random.Random) -> list[dict]:
    """Cities and one square QPV per city (once); returns the places structures are drawn around."""
    known = set(session.scalars(select(City.insee)))
    missing = [{"insee": c, "name": n, "departement": "93"} for c, n, *_rest in CITIES if c not in known]
    if missing:
        session.execute(insert(City), missing)
    places = []
    existing_qpv = set(session.scalars(select(Qpv.code)))
    for index, (insee, name, lat, lon) in enumerate(CITIES, start=1):
        code = f"QN093{index:02d}M"
        qlat, qlon = lat + rng.uniform(-0.004, 0.004), lon + rng.uniform(-0.004, 0.004)
        square = {"type": "Polygon", "coordinates": [[
            [qlon - QPV_HALF_SIZE, qlat - QPV_HALF_SIZE], [qlon + QPV_HALF_SIZE, qlat - QPV_HALF_SIZE],
            [qlon + QPV_HALF_SIZE, qlat + QPV_HALF_SIZE], [qlon - QPV_HALF_SIZE, qlat + QPV_HALF_SIZE],
            [qlon - QPV_HALF_SIZE, qlat - QPV_HALF_SIZE]]]}
        quarter = QUARTERS[index % len(QUARTERS)]
        if code not in existing_qpv:
            session.add(Qpv(code=code, name=f"{quarter} ({name})", departement="93", cities=[insee],
                            outline=square, outline_simple=square))
        else:
            square = session.get(Qpv, code).outline
            qlon = (square["coordinates"][0][0][0] + square["coordinates"][0][1][0]) / 2
            qlat = (square["coordinates"][0][0][1] + square["coordinates"][0][2][1]) / 2
        places.append({"insee": insee, "city": name, "lat": lat, "lon": lon, "qlat": qlat, "qlon": qlon,
                       "quarter": quarter})
    session.flush()
    return places


def _point(rng: random.Random, place: dict) -> tuple[float, float]:
    """80 % inside the commune's QPV, the rest around it."""
    if rng.random() < 0.8:
        return (round(place["qlat"] + rng.uniform(-0.9, 0.9) * QPV_HALF_SIZE, 6),
                round(place["qlon"] + rng.uniform(-0.9, 0.9) * QPV_HALF_SIZE, 6))
    angle_lat = rng.choice((-1, 1)) * rng.uniform(1.3, 2.5) * QPV_HALF_SIZE
    angle_lon = rng.choice((-1, 1)) * rng.uniform(1.3, 2.5) * QPV_HALF_SIZE
    return round(place["qlat"] + angle_lat, 6), round(place["qlon"] + angle_lon, 6)


def seed_structures(session: Session, count: int, *, seed: int = 93) -> dict[str, int]:
    """Add demo structures up to `count` (idempotent) and about two links per new structure."""
    already = session.scalar(select(func.count(Structure.id)).where(Structure.source == "demo")) or 0
    missing = max(0, count - already)
    if missing == 0:
        return {"structures": 0, "links": 0}
    rng = random.Random(seed + already)
    places = _seed_places(session, rng)
    used_uai = set(session.scalars(select(Structure.uai).where(Structure.uai.is_not(None))))
    now = datetime.now(UTC).replace(tzinfo=None)
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=missing)
    rows = []
    for index, kind in enumerate(kinds):
        place = places[(already + index) % len(places)] if index < len(places) else rng.choice(places)
        lat, lon = _point(rng, place)
        code = None
        if kind in vocabulary.SCHOOL_KINDS:
            number = rng.randrange(1, 9999)
            while uai(number) in used_uai:
                number = rng.randrange(1, 9999) if len(used_uai) < 9000 else number + 1
            code = uai(number)
            used_uai.add(code)
        in_school_qpv = kind in vocabulary.SCHOOL_KINDS and kind != "lycee" and rng.random() < 0.7
        rows.append({"kind": kind, "name": _name(rng, kind, place["city"], place["quarter"]), "uai": code,
                     "siret": None if code else f"{rng.randrange(10**13, 10**14)}",
                     "address": f"{rng.randrange(1, 120)} rue {rng.choice(PEOPLE)}", "postcode": "93" +
                     place["insee"][2:], "city_insee": place["insee"], "latitude": lat, "longitude": lon,
                     "priority": rng.choice(("REP", "REP+")) if in_school_qpv else None, "source": "demo",
                     "public": True, "validated": True})
    session.execute(insert(Structure), rows)
    new = session.execute(select(Structure.id, Structure.kind, Structure.city_insee)
                          .where(Structure.source == "demo").order_by(Structure.id.desc()).limit(missing)).all()
    geo.mark_qpv(session, [row.id for row in new])
    _seed_memberships(session, rng, new, networks)
    links = _seed_links(session, rng, new, now)
    return {"structures": missing, "links": links}


def _seed_memberships(session: Session, rng: random.Random, structures, networks) -> None:
    social = networks.ensure_network(session, *networks.DEMO_NETWORKS[0])
    families = networks.ensure_network(session, *networks.DEMO_NETWORKS[1])
    rows = []
    for row in structures:
        if row.kind in ("centre_social", "espace_vie_sociale"):
            rows.append({"structure_id": row.id, "network_id": social.id})
        if row.kind in vocabulary.SCHOOL_KINDS and rng.random() < 0.3 or row.kind == "association" \
                and rng.random() < 0.5:
            rows.append({"structure_id": row.id, "network_id": families.id})
    if rows:
        session.execute(insert(structure_network), rows)


def _seed_links(session: Session, rng: random.Random, structures, now: datetime) -> int:
    """About two links per structure, mostly school <-> social actor of the same commune."""
    by_city: dict[str, list] = {}
    for row in structures:
        by_city.setdefault(row.city_insee, []).append(row)
    everyone = list(structures)
    pairs = set(session.execute(select(Link.pair_low, Link.pair_high)).all())
    frameworks = list(frameworks_service.choices(session))
    rows = []
    attempts = 0
    target = 2 * len(structures)
    while len(rows) < target and attempts < target * 6 and len(everyone) > 1:
        attempts += 1
        a = rng.choice(everyone)
        pool = by_city[a.city_insee] if rng.random() < 0.85 and len(by_city[a.city_insee]) > 1 else everyone
        b = rng.choice(pool)
        school_a = a.kind in vocabulary.SCHOOL_KINDS
        if a.id == b.id or (school_a == (b.kind in vocabulary.SCHOOL_KINDS) and rng.random() < 0.7):
            continue
        pair = (min(a.id, b.id), max(a.id, b.id))
        if pair in pairs:
            continue
        pairs.add(pair)
        level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
        formal = "agreement" if level == "formal_partnership" else rng.choice(("informal", "informal", "framework"))
        rows.append({"source_id": a.id, "target_id": b.id, "pair_low": pair[0], "pair_high": pair[1],
                     "level": level, "formalisation": formal,
                     "frameworks": sorted(rng.sample(frameworks, rng.choice((0, 1, 1, 2)))),
                     "shared": sorted(rng.sample(list(vocabulary.SHARED), rng.choice((0, 1, 2)))),
                     "parents_place": rng.choice((None, *vocabulary.PARENTS_PLACES)),
                     "since": rng.randrange(2008, 2026), "frequency": rng.choice(list(vocabulary.FREQUENCIES)),
                     "initiative": rng.choice(list(vocabulary.INITIATIVES)), "description": "",
                     "status": "validated" if rng.random() < 0.9 else "declared", "validated_at": now})
    if rows:
        session.execute(insert(Link), rows)
        ids = session.scalars(select(Link.id).order_by(Link.id.desc()).limit(len(rows))).all()
        session.execute(insert(LinkChange), [{"link_id": i, "user_name": "Démonstration", "action": "declared",
                                              "changes": {}} for i in ids])
    return len(rows)
