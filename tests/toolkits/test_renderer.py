"""The renderer: content-hash cache, rendering in the process pool with progress, jobs only for their owner."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.toolkits.conftest import follow_job, read_pdf
from workshop.extensions import db
from workshop.printing import renderer as renderer_module
from workshop.printing.renderer import PdfDocument, Renderer

HTML = "<html lang='fr'><head><title>Essai</title></head><body><h1>Œuvre commune</h1>{}</body></html>"
CSS = ("@page { size: A4; @bottom-right { content: counter(page) ' / ' counter(pages) } } "
       "body { font-family: 'DejaVu Serif' }")


def test_key_follows_html_css_and_renderer_version(monkeypatch):
    a = PdfDocument(HTML.format(""), CSS, "a.pdf")
    assert a.key == PdfDocument(HTML.format(""), CSS, "autre-nom.pdf").key  # the name is not content
    assert a.key != PdfDocument(HTML.format("<p>x</p>"), CSS, "a.pdf").key
    assert a.key != PdfDocument(HTML.format(""), CSS + "p{}", "a.pdf").key
    before = a.key
    monkeypatch.setattr(renderer_module, "RENDERER_VERSION", "another")  # a new renderer never reuses old PDFs
    assert PdfDocument(HTML.format(""), CSS, "a.pdf").key != before


def test_repeat_download_is_served_from_the_cache_without_rendering(client, publish_practices, monkeypatch):
    calls = []
    real = renderer_module.render_to_cache
    monkeypatch.setattr(renderer_module, "render_to_cache", lambda *a: calls.append(a) or real(*a))
    [practice_id] = publish_practices(1)
    first = client.get(f"/fiches/{practice_id}.pdf", buffered=True)
    second = client.get(f"/fiches/{practice_id}.pdf", buffered=True)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and len(calls) == 1  # a file read, not a render


def test_cache_prunes_least_recently_used_files_over_budget(tmp_path):
    import os

    renderer = Renderer(tmp_path)
    paths = [renderer.render_now(PdfDocument(HTML.format(f"<p>{n}</p>"), CSS, f"{n}.pdf")) for n in range(3)]
    now = time.time()
    for age, path in zip((30, 20, 10), paths, strict=True):
        os.utime(path, (now - age, now - age))
    stale_job = renderer.cache_dir / "jobs" / "ancien.job"
    stale_job.write_text("{}")
    os.utime(stale_job, (now - 7200, now - 7200))
    renderer.max_cache_bytes = int(max(p.stat().st_size for p in paths) * 1.5)
    assert renderer.prune() == 2
    assert [p.exists() for p in paths] == [False, False, True]  # the most recently used one stays
    assert not stale_job.exists()  # job files of two hours ago are forgotten


@pytest.fixture
def pool_renderer(tmp_path):
    # Not niced in tests: browser tests fill the cores, and a niced worker then gets a tenth of one
    yield Renderer(tmp_path / "cache", workers=1, nice=0)
    renderer_module.shutdown_pool()


@pytest.mark.slow
def test_pool_renders_in_another_process_and_reports_progress(pool_renderer):
    body = "".join(f"<h2>Partie {n}</h2><p>{'Coopération efficace entre familles et école. ' * 60}</p>"
                   for n in range(30))
    document = PdfDocument(HTML.format(body), CSS, "long.pdf", estimated_pages=10)
    job = pool_renderer.start(document, owner="7")
    assert job.state == "running" and job.total == 10
    seen = set()
    deadline = time.monotonic() + 120
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        job = pool_renderer.status(job.id)
        seen.add(job.done)
    assert job.state == "done", job
    reader = read_pdf(pool_renderer.path_for(document.key).read_bytes())
    assert job.total == job.done == len(reader.pages) > 5
    assert "Œuvre commune" in reader.pages[0].extract_text()
    assert pool_renderer.status("../../etc/passwd") is None and pool_renderer.status("inconnu") is None
    # A second request for the same content is already done: no second render.
    assert pool_renderer.start(document).state == "done"
    # The cache emptied by hand (or by a cleaner) while the server runs: the next request renders again.
    shutil.rmtree(pool_renderer.cache_dir)
    job = pool_renderer.wait(pool_renderer.start(document), 120)
    assert job.state == "done" and pool_renderer.path_for(document.key).exists()


def test_the_same_document_started_in_two_caches_reaches_both(pool_renderer, tmp_path):
    """A render in progress is shared per cache: the same content started in a second cache (another renderer of
    the process) is rendered there too, not left waiting for a file written elsewhere."""
    document = PdfDocument(HTML.format("<p>Deux caches</p>"), CSS, "deux.pdf")
    other = Renderer(tmp_path / "other-cache", workers=1)
    first, second = pool_renderer.start(document), other.start(document)  # the first is still rendering
    assert pool_renderer.wait(first, 120).state == "done"
    assert other.wait(second, 120).state == "done" and other.path_for(document.key).exists()


@pytest.mark.slow
def test_long_build_gets_a_progress_page_then_the_pdf(app, client, login, coordinator, publish_practices, build):
    app.config.update(PDF_RENDER_INLINE=False, PDF_INLINE_WAIT=0.0)
    toolkit_id = build([("Tout", publish_practices(3))], "Boîte longue")
    login(coordinator)
    try:
        page = client.get(f"/boites-a-outils/{toolkit_id}.pdf")
        assert page.status_code == 202
        assert "Préparation du PDF… 0/" in page.get_data(as_text=True)
        started = client.get(f"/boites-a-outils/{toolkit_id}.pdf", headers={"Accept": "application/json"}).get_json()
        status_url, download_url = started["status_url"], started["download_url"]
        status = follow_job(client, started)
        assert status["job"]["state"] == "done" and status["job"]["done"] == status["job"]["total"] > 3
        pdf = client.get(download_url, buffered=True)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert "Boîte longue" in read_pdf(pdf.data).pages[0].extract_text()
        client.post("/deconnexion")
        assert client.get(status_url).status_code == 404  # someone else's job
    finally:
        renderer_module.shutdown_pool()


def test_toolkit_repeat_skips_building_and_a_change_gives_a_fresh_pdf(app, client, login, coordinator,
                                                                      publish_practices, build, monkeypatch):
    from workshop.accounts.models import User
    from workshop.toolkits import book, service

    ids = publish_practices(2)
    toolkit_id = build([("Tout", ids)], "Première version")
    with app.test_request_context():
        revision = service.get_toolkit(db.session, toolkit_id).revision
    login(coordinator)
    builds = []
    real = book.toolkit_document
    monkeypatch.setattr(book, "toolkit_document", lambda *a: builds.append(1) or real(*a))
    first = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
    again = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
    assert first.data == again.data and len(builds) == 1
    with app.test_request_context():
        service.save_toolkit(db.session, db.session.get(User, coordinator.id), toolkit_id,
                             {"title": "Seconde version", "sections": [{"title": "Tout", "entries": ids}]}, revision)
        db.session.commit()
    changed = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
    assert len(builds) == 2
    assert "Seconde version" in read_pdf(changed.data).pages[0].extract_text()


@pytest.mark.slow
def test_toolkit_downloads_again_after_the_cache_folder_was_emptied(app, client, login, coordinator,
                                                                   publish_practices, build):
    """Someone empties the PDF cache while the server runs (disk full, a cleaner): the next download renders."""
    toolkit_id = build([("Accueil", publish_practices(2))], "Essai")
    app.config.update(PDF_RENDER_INLINE=False, PDF_INLINE_WAIT=0.05)
    login(coordinator)
    try:
        for _ in range(2):
            response = client.get(f"/boites-a-outils/{toolkit_id}.pdf", headers={"Accept": "application/json"})
            assert response.status_code in (200, 202), response.get_data(as_text=True)
            if response.status_code == 202:
                assert follow_job(client, response.get_json())["job"]["state"] == "done"
            pdf = client.get(f"/boites-a-outils/{toolkit_id}.pdf", buffered=True)
            assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
            pdf.close()
            shutil.rmtree(app.config["PDF_CACHE_DIR"])
    finally:
        renderer_module.shutdown_pool()
