"""Believable French demo data: accounts, a workshop with cards (and, per domain, more).

Run once by `make run`; running it again adds nothing already there.
"""

from __future__ import annotations

import uuid

import click
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.accounts import service as accounts
from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.boards.models import Workshop
from workshop.cli_params import BoundedInt
from workshop.extensions import db
from workshop.frameworks.catalogue import seed_texts
from workshop.live.kernel import current_kernel
from workshop.mail.demo import seed_mail
from workshop.mapping.demo import seed_structures
from workshop.meetings.demo import seed_meetings
from workshop.networks import service as networks
from workshop.peergroups.demo import seed_peer_group
from workshop.practices.demo import link_to_map, seed_up_to
from workshop.programme.demo import seed_programme
from workshop.showcase.demo import seed_showcase
from workshop.trials.demo import seed_trials

DEMO_PASSWORD = "passerelles-demo"
DEMO_MAX = 20_000  # sheets or structures seed-demo adds at most (the benches' largest repository)
DEMO_ACCOUNTS = (
    ("coordination@passerelles.demo", "Claire Coordination", "admin"),
    ("animatrice@passerelles.demo", "Samia Animatrice", "facilitator"),
)
DEMO_WORKSHOP = "Groupe de pairs — Freins et leviers école / centre social"
# (name, column, text, language): the page language a card is written in becomes the card's (#18); parents of
# the neighbourhood wrote the last three on their phones, and the facilitator sees each card's language tag.
DEMO_CARDS = (
    ("Nadia", "obstacle", "Les enseignants changent chaque année : il faut tout reconstruire à la rentrée.", "fr"),
    ("Nadia", "obstacle", "Les horaires du centre social ne collent pas avec ceux de l'école.", "fr"),
    ("Karim", "obstacle", "Les parents ne se sentent pas légitimes pour entrer dans l'école.", "fr"),
    ("Karim", "lever", "Un café des parents animé ensemble, dans le hall de l'école, le vendredi matin.", "fr"),
    ("Élodie", "lever", "La coordonnatrice REP+ fait le lien et connaît les deux équipes.", "fr"),
    ("Élodie", "method", "Une réunion de rentrée commune école / centre social pour présenter le CLAS.", "fr"),
    ("Nadia", "method", "Une fiche de liaison simple entre l'enseignant et l'animateur de l'accompagnement "
                        "scolaire.", "fr"),
    ("Amal", "obstacle", "لا أفهم دائمًا الرسائل التي ترسلها المدرسة.", "ar"),
    ("Ayşe", "lever", "Okulda Türkçe konuşan bir anne bize yardım etti.", "tr"),
    ("Ioana", "method", "Întâlniri scurte cu părinții, cu o traducătoare.", "ro"),
)


def _ensure_account(session: Session, email: str, name: str, role: str) -> User:
    return accounts.get_by_email(session, email) or accounts.create_user(session, email, name, role,
                                                                            DEMO_PASSWORD)


def seed_board(session: Session) -> Workshop:
    """The demo facilitator, a coordinator and one workshop with cards (once)."""
    users = [_ensure_account(session, *spec) for spec in DEMO_ACCOUNTS]
    for slug, name, short in networks.DEMO_NETWORKS:
        network = networks.ensure_network(session, slug, name, short)
        networks.add_member(session, network, users[0], coordinator=True)
    networks.add_member(session, networks.ensure_network(session, *networks.DEMO_NETWORKS[0]), users[1])
    workshop = session.scalar(select(Workshop).where(Workshop.title == DEMO_WORKSHOP))
    if workshop is not None:
        return workshop
    workshop = boards.create_workshop(session, users[1], DEMO_WORKSHOP, place="Centre social des Tilleuls",
                                      description="Première rencontre du groupe de pairs.")
    people = {}
    for name, column, text, language in DEMO_CARDS:
        if name not in people:
            people[name] = boards.join(session, {"code": workshop.code, "name": name}).participant
        with force_locale(language):  # as the author's page would have set it, logged event included
            current_kernel().perform(session, people[name].id, "card.add", {"client_id": uuid.uuid4().hex,
                                     "column": column, "text": text}, workshop_id=workshop.id, rate_limited=False)
    return workshop


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--practices", type=BoundedInt(0, DEMO_MAX), default=None, help="Number of demo practice sheets.")
    @click.option("--structures", type=BoundedInt(0, DEMO_MAX), default=None, help="Number of demo structures.")
    def seed_demo(practices: int | None, structures: int | None) -> None:
        """Load believable French demo data (idempotent)."""
        workshop = seed_board(db.session)
        click.echo(f"Atelier de démonstration : code {workshop.code} — /j/{workshop.code}")
        click.echo(f"Connexion animatrice : {DEMO_ACCOUNTS[1][0]} / {DEMO_PASSWORD}")
        click.echo(f"Connexion coordination : {DEMO_ACCOUNTS[0][0]} / {DEMO_PASSWORD}")
        added = seed_up_to(db.session, 40 if practices is None else practices)
        db.session.commit()
        click.echo(f"Fiches pratiques de démonstration ajoutées : {added}")
        seed_meetings(db.session, accounts.get_by_email(db.session, DEMO_ACCOUNTS[0][0]))
        db.session.commit()
        click.echo("Rencontres de démonstration : /rencontres")
        mapped = seed_structures(db.session, 160 if structures is None else structures)
        click.echo(f"Cartographie de démonstration : {mapped['structures']} structures et {mapped['links']} liens "
                   "ajoutés")
        click.echo(f"Fiches reliées aux structures de la carte qu'elles nomment : {link_to_map(db.session)}")
        db.session.commit()
        seed_texts(db.session)
        programme = seed_programme(db.session)
        db.session.commit()
        mail = seed_mail(db.session, DEMO_ACCOUNTS[0][0])
        db.session.commit()
        click.echo(f"Invitations et notifications de démonstration ajoutées : {mail['invitations']} et "
                   f"{mail['notifications']}")
        if seed_peer_group(db.session) is not None:
            click.echo("Groupe de pairs de démonstration : /groupes")
        db.session.commit()
        click.echo(f"Catalogue des dispositifs et programme de démonstration : « {programme.title} » "
                   f"— /programmes/{programme.id}")
        seed_showcase(db.session, DEMO_PASSWORD)
        db.session.commit()
        if seed_trials(db.session):
            db.session.commit()
            click.echo("Pratiques essayées : quatre essais validés, un en attente (/essais/a-valider)")
        click.echo("Vitrine : fiches avec l'accord des deux réseaux (une en attente), un lien en attente de l'autre "
                   "réseau (/reseaux/en-attente), boîte à outils à présenter, un signalement à traiter (/moderation)")
