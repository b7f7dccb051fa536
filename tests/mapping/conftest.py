"""Helpers of the cartography tests: files written on the fly and structures made directly in the database."""

from __future__ import annotations

import pytest

from workshop.extensions import db
from workshop.mapping.models import City, Link, Structure

ANNUAIRE_HEADER = ("Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;"
                   "Adresse_1;Code_postal;Code_commune;Nom_commune;Code_departement;Ecole_maternelle;"
                   "Ecole_elementaire;Appartenance_Education_Prioritaire;latitude;longitude;etat")


def annuaire_row(uai, name="École élémentaire Jean Jaurès", kind="Ecole", insee="93066", city="Saint-Denis",
                 lat="48.9356", lon="2.3539", etat="OUVERT", priority="REP+", maternelle="0", elementaire="1"):
    return (f"{uai};{name};{kind};Public;2 rue de la Paix;93200;{insee};{city};093;{maternelle};{elementaire};"
            f"{priority};{lat};{lon};{etat}")


def annuaire_file(*rows: str, bom: bool = True, header: str = ANNUAIRE_HEADER) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.fixture
def make_structure(app):
    """make_structure("Centre social X", kind=..., lat=..., lon=...) -> id (published by default)."""

    def make(name: str, *, kind: str = "centre_social", insee: str = "93066", city: str = "Saint-Denis",
             lat: float | None = 48.93, lon: float | None = 2.35, public: bool = True, **extra) -> int:
        with app.app_context():
            if db.session.get(City, insee) is None:
                db.session.add(City(insee=insee, name=city, departement=insee[:2]))
            structure = Structure(name=name, kind=kind, city_insee=insee, latitude=lat, longitude=lon,
                                  public=public, **extra)
            db.session.add(structure)
            db.session.commit()
            return structure.id

    return make


@pytest.fixture
def make_link(app):
    """make_link(a, b, status="validated", level=...) -> id, bypassing the declaration form."""

    def make(a: int, b: int, *, status: str = "validated", level: str = "cooperation", **extra) -> int:
        with app.app_context():
            link = Link(source_id=a, target_id=b, pair_low=min(a, b), pair_high=max(a, b), status=status,
                        level=level, **extra)
            db.session.add(link)
            db.session.commit()
            return link.id

    return make


@pytest.fixture
def make_member(app):
    """make_member(user, structure_id, status="member"): attach an account to a structure directly."""
    from workshop.mapping.models import StructureMember

    def make(user, structure_id: int, status: str = "member") -> None:
        with app.app_context():
            db.session.add(StructureMember(structure_id=structure_id, user_id=user.id, status=status))
            db.session.commit()

    return make


@pytest.fixture
def in_network(app):
    """in_network("slug", structure_ids, coordinator=user or None) -> network id: structures (and a coordinator)
    in one network."""
    from workshop.accounts.models import User
    from workshop.mapping.models import structure_network
    from workshop.networks import service as networks

    def make(slug: str, structure_ids: list[int], coordinator=None) -> int:
        with app.app_context():
            network = networks.ensure_network(db.session, slug, f"Réseau {slug}", slug)
            for structure_id in structure_ids:
                db.session.execute(structure_network.insert().values(structure_id=structure_id,
                                                                     network_id=network.id))
            db.session.commit()
            if coordinator is not None:
                networks.add_member(db.session, network, db.session.get(User, coordinator.id), coordinator=True)
                db.session.commit()
            return network.id

    return make
