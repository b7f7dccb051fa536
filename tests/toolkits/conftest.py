"""Fixtures for toolkits and exports: a coordinator, published practices with French text, a PDF cache in tmp."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from pathlib import Path

import pypdf
import pytest

from workshop.extensions import db

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

CITIES = ("Roubaix", "Tourcoing", "Lille", "Wattrelos", "Villeneuve-d'Ascq", "Hem", "Croix", "Mons-en-Barœul")
THEMES = ("Accueil des parents", "Accompagnement scolaire", "Liaison école / centre social", "Langue française")
FRAMEWORKS = ("clas", "reaap", "oepre", "cite_educative", "rep")


def practice_data(index: int, **extra) -> dict:
    """A believable sheet; its text carries accents, œ, « guillemets » and fi/ffi/fl ligature pairs."""
    city = CITIES[index % len(CITIES)]
    data = {
        "title": f"Café des parents n° {index} à {city} : une affiche officielle",
        "summary": "Un rendez-vous régulier où les familles et l'équipe éducative se rencontrent sans enjeu.",
        "kind": ("practice", "experience", "tool")[index % 3],
        "cities": [city],
        "qpv": ["Quartier de l'Épeule"],
        "structures": [{"id": None, "name": "École élémentaire Jules-Ferry"},
                       {"id": None, "name": "Centre social des Trois-Ponts"}],
        "frameworks": [FRAMEWORKS[index % len(FRAMEWORKS)], FRAMEWORKS[(index + 2) % len(FRAMEWORKS)]],
        "themes": [THEMES[index % len(THEMES)]],
        "audiences": ["parents"],
        "context": "<p>Les familles du quartier hésitaient à franchir la grille : difficultés de langue, "
                   "souvenirs d'école douloureux, horaires de travail décalés.</p>",
        "objectives": "<ul><li>Créer un lieu de confiance au cœur de l'école</li>"
                      "<li>Rendre la coopération efficace entre enseignant·es et animateur·rices</li></ul>",
        "steps": "<ol><li>Réunion de rentrée commune</li><li>Affichage bilingue à l'entrée</li>"
                 "<li>Premier café en octobre, puis un vendredi sur deux</li></ol>",
        "obstacles": "<p>Les enseignants changent chaque année ; la fluctuation des présences décourage.</p>",
        "levers": "<p>La coordonnatrice <strong>REP+</strong> fait le lien ; une affluence croissante "
                  "au fil des mois.</p>",
        "evaluation": "<p>Une trentaine de familles touchées, dont douze qui ne venaient jamais à l'école.</p>",
        "transferability": "<p>Transposable dans toute école qui dispose d'une salle libre le vendredi.</p>",
        "contacts": "<p>Écrire à <a href=\"mailto:cafe@exemple.fr\">cafe@exemple.fr</a></p>",
    }
    data.update(extra)
    return data


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache"), "PUBLIC_URL": "https://passerelles.exemple.fr",
            "PDF_RENDER_INLINE": True}


@pytest.fixture
def coordinator(make_user):
    return make_user("admin", name="Claire Coordination")


@pytest.fixture
def networks(app):
    from workshop.networks import service as networks

    with app.app_context():
        made = [networks.ensure_network(db.session, *spec) for spec in networks.DEMO_NETWORKS]
        db.session.commit()
        return [n.id for n in made]


@pytest.fixture
def publish_practices(app, coordinator, networks):
    """publish_practices(n, **extra) -> [practice ids], each created, submitted and published."""
    from workshop.accounts.models import User
    from workshop.practices import reviews, sheets

    def make(count: int, start: int = 1, **extra) -> list[int]:
        ids = []
        with app.test_request_context():
            user = db.session.get(User, coordinator.id)
            for index in range(start, start + count):
                practice = sheets.create_practice(db.session, user,
                                                     practice_data(index, networks=networks, **extra))
                reviews.transition(db.session, user, practice.id, "submit")
                reviews.transition(db.session, user, practice.id, "publish")
                ids.append(practice.id)
            db.session.commit()
        return ids

    return make


def read_pdf(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def page_texts(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    """Text as a reader sees it: lines joined, words cut by hyphenation (U+2010) or at a hard hyphen rejoined."""
    text = re.sub(r"\u2010\n", "", text)
    text = re.sub(r"-\n", "-", text)
    return text.replace("\n", " ")


def to_png(pdf_path: Path, name: str, first: int = 1, last: int = 2) -> list[Path]:
    """Render pages to PNG under tests/artifacts/ (kept for a human look); skipped without pdftoppm."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(first), "-l", str(last), str(pdf_path), str(prefix)],
                   check=True, timeout=60)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture
def build(app, coordinator):
    """build(sections, title=..., intro=...) -> toolkit id, saved through the service like the builder page."""
    from workshop.accounts.models import User
    from workshop.toolkits import service

    def make(sections: list[tuple[str, list[int]]], title: str = "Coopérer avec les familles", **fields) -> int:
        with app.test_request_context():
            user = db.session.get(User, coordinator.id)
            toolkit = service.create_toolkit(db.session, user, title)
            data = {"title": title, "sections": [{"title": t, "entries": ids} for t, ids in sections], **fields}
            service.save_toolkit(db.session, user, toolkit.id, data, toolkit.revision)
            db.session.commit()
            return toolkit.id

    return make


def follow_job(client, started: dict, timeout: float = 120) -> dict:
    """Poll a PDF job the way the progress page does (every 0.1 s here) until it is no longer running."""
    status, deadline = started, time.monotonic() + timeout
    while status["job"]["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.get(started["status_url"]).get_json()
    return status
