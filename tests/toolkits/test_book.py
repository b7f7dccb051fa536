"""A toolkit rendered as a book of parts: part cache, page numbers, links and bookmarks after assembly."""

from __future__ import annotations

from pypdf.generic import IndirectObject

from tests.toolkits.conftest import flat, page_texts, read_pdf
from tests.toolkits.test_documents import _fonts
from workshop.extensions import db


def _internal_links(reader) -> list[tuple[int, int]]:
    """(page index of the link, page index it leads to) for every internal link."""
    found = []
    numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    for n, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object() if isinstance(annot, IndirectObject) else annot
            if "/Dest" in annot:
                found.append((n, numbers[annot["/Dest"][0].idnum]))
    return found


def test_book_reuses_unchanged_parts_and_keeps_numbers_links_fonts(app, publish_practices, tmp_path):
    from workshop.practices.models import Practice
    from workshop.toolkits import documents
    from workshop.toolkits.renderer import Renderer

    ids = publish_practices(4)
    renderer = Renderer(tmp_path / "cache", workers=1)
    with app.test_request_context():
        practices = [db.session.get(Practice, i) for i in ids]
        first = documents.adhoc_toolkit_document(db.session, practices, "Boîte en parties")
        reader = read_pdf(renderer.render_now(first).read_bytes())
        parts = set((tmp_path / "cache" / "parts").glob("*.pdf"))
        texts = page_texts(reader)
        total = len(reader.pages)
        # Running heads drawn over every page but the cover: "Page n / N", the title, the section.
        assert "Page" not in texts[0]
        for n in range(1, total):
            assert f"Page {n + 1} / {total}" in texts[n], n
        assert all("Boîte en parties" in t for t in texts[1:])
        # Each practice starts on the page its TOC entry says, and the TOC entry links there.
        toc = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Sommaire"))
        links = dict(_internal_links(reader))
        assert any(src == toc for src, _ in _internal_links(reader))
        for practice in practices:
            page = next(i for i, t in enumerate(texts) if practice.title in flat(t) and i > toc)
            assert practice.title in flat(texts[page])
            assert page in {dest for src, dest in _internal_links(reader) if src == toc}, practice.title
        assert links
        fonts = _fonts(reader)
        assert fonts and all(fonts.values()), fonts
        assert "cœur de l'école" in flat(" ".join(texts)) and "efficace" in flat(" ".join(texts))
        assert reader.metadata.title == "Boîte en parties" and reader.trailer["/Root"]["/Lang"] == "fr"
        assert [item.title for item in reader.outline if not isinstance(item, list)][0] == "Boîte en parties"

        # One practice changes: only its part is laid out again (front and back matter keep their numbers).
        practices[1].evaluation = "<p>Une évaluation réécrite pour la seconde édition.</p>"
        second = documents.adhoc_toolkit_document(db.session, practices, "Boîte en parties")
        again = read_pdf(renderer.render_now(second).read_bytes())
        db.session.rollback()
    new_parts = set((tmp_path / "cache" / "parts").glob("*.pdf")) - parts
    assert len(new_parts) == 1
    assert "seconde édition" in flat(" ".join(page_texts(again)))
