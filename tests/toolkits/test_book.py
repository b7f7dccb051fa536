"""A toolkit laid out as a book of parts: numbers, links, bookmarks, the tagged structure and the part cache."""

from __future__ import annotations

import re

import pikepdf
import pytest

from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db
from workshop.printing import renderer as renderer_module

MCID = re.compile(rb"<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _internal_links(reader) -> list[tuple[int, int]]:
    """(page index of the link, page index it leads to) for every link to a named destination."""
    destinations = reader.named_destinations
    found = []
    for n, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if "/Dest" in annot:
                found.append((n, reader.get_destination_page_number(destinations[str(annot["/Dest"])])))
    return found


def _fonts_embedded(pdf: pikepdf.Pdf) -> dict[str, bool]:
    """Every font of every page and of the forms drawn on it (the running heads) -> embedded or not."""
    found = {}

    def visit(resources) -> None:
        for font in (resources.get("/Font") or {}).values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.FontDescriptor
            found[str(font.BaseFont)] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                visit(xobject.Resources)

    for page in pdf.pages:
        visit(page.Resources)
    return found


def assert_tagged(pdf: pikepdf.Pdf) -> None:
    """What merging the parts' structure trees could break, checked as a PDF/UA reader would use it."""
    root = pdf.Root
    assert root.MarkInfo.Marked and str(root.Lang) == "fr" and root.ViewerPreferences.DisplayDocTitle
    tree = root.StructTreeRoot
    parents = pikepdf.NumberTree(tree.ParentTree)
    document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
    assert document.S == "/Document" and document.P.objgen == tree.objgen

    def walk(element, parent) -> int:  # every element points back to its parent
        assert element.P.objgen == parent.objgen
        count = 1
        kids = element.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR" and "/S" in kid:
                count += walk(kid, element)
        return count

    assert walk(document, tree) > 100
    seen = set()
    for number, page in enumerate(pdf.pages):
        key = int(page.obj.StructParents)
        assert key not in seen, f"page {number + 1} shares its structure key"
        seen.add(key)
        content = b"".join(stream.read_bytes() for stream in (
            page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]))
        marked = parents[key]
        for mcid in map(int, MCID.findall(content)):  # each piece of marked content belongs to an element
            element = marked[mcid]
            assert element.get("/Pg", page.obj).objgen == page.obj.objgen, (number, mcid)
        if number:  # the running heads are drawn as a pagination artifact
            assert b"/Artifact <</Type /Pagination>> BDC" in content
        for annotation in page.obj.get("/Annots", []):
            if annotation.Subtype == "/Link":  # tagged: held by a /Link element (or a figure inside one)
                holder = parents[int(annotation.StructParent)]
                refs = holder.K if isinstance(holder.K, pikepdf.Array) else [holder.K]
                assert any(isinstance(r, pikepdf.Dictionary) and r.get("/Type") == "/OBJR"
                           and r.Obj.objgen == annotation.objgen for r in refs)
                assert "/Link" in (holder.S, holder.P.S), holder.S


@pytest.mark.slow  # several long PDFs laid out: once per CI run (SQLite), not again on PostgreSQL
@pytest.mark.parametrize("workers", [1, 2])
def test_book_numbers_links_structure_and_part_cache(app, publish_practices, tmp_path, workers):
    from workshop.practices.models import Practice
    from workshop.printing.renderer import Renderer
    from workshop.toolkits import book as toolkit_book

    ids = publish_practices(6)
    renderer = Renderer(tmp_path / "cache", workers=workers)
    with app.test_request_context():
        practices = [db.session.get(Practice, i) for i in ids]
        first = toolkit_book.adhoc_toolkit_document(db.session, practices, "Boîte en parties")
        path = renderer.render_now(first)
        reader = read_pdf(path.read_bytes())
        parts = set((tmp_path / "cache" / "parts").glob("*.pdf"))
        texts = page_texts(reader)
        total = len(reader.pages)
        # Running heads on every page but the cover: "Page n / N", the title, the section.
        assert "Page" not in texts[0]
        for n in range(1, total):
            assert f"Page {n + 1} / {total}" in texts[n], n
        assert all("Boîte en parties" in t for t in texts[1:])
        # Each practice starts on the page its TOC entry names, and the TOC entry links there.
        toc = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Sommaire"))
        links = _internal_links(reader)
        for practice in practices:
            page = next(i for i, t in enumerate(texts) if practice.title in flat(t) and "Contexte" in t)
            assert page in {dest for src, dest in links if src == toc}, practice.title
            toc_line = next(line for line in texts[toc].splitlines() if practice.title[:30] in flat(line))
            assert toc_line.rstrip().endswith(str(page + 1)), toc_line
        # The index links to the practices too; no link leads to a stand-in target.
        index = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Index"))
        assert {dest for src, dest in links if src == index} <= {dest for src, dest in links if src == toc}
        assert "cœur de l'école" in flat(" ".join(texts)) and "efficace" in flat(" ".join(texts))
        assert reader.metadata.title == "Boîte en parties" and reader.metadata.author == first.meta["author"]
        assert reader.trailer["/Root"]["/Lang"] == "fr" and "/Metadata" in reader.trailer["/Root"]
        outline = [item.title for item in reader.outline if not isinstance(item, list)]
        assert outline[0] == "Boîte en parties" and "Index" in outline
        with pikepdf.open(path) as pdf:
            fonts = _fonts_embedded(pdf)
            assert fonts and all(fonts.values()), fonts
            assert_tagged(pdf)
            assert pdf.pdf_version >= "1.7"

        # One practice changes: only the chunk holding it is laid out again.
        practices[1].evaluation = "<p>Une évaluation réécrite pour la seconde édition.</p>"
        second = toolkit_book.adhoc_toolkit_document(db.session, practices, "Boîte en parties")
        again = read_pdf(renderer.render_now(second).read_bytes())
        db.session.rollback()
    new_parts = set((tmp_path / "cache" / "parts").glob("*.pdf")) - parts
    assert len(new_parts) == 1
    assert "seconde édition" in flat(" ".join(page_texts(again)))
    renderer_module.shutdown_pool()


@pytest.mark.slow
def test_book_through_the_pool_reports_progress_then_the_file(app, publish_practices, tmp_path):
    """The web path: parts and assembly are pool tasks, a thread waits on them; the job reaches done."""
    import time

    from workshop.practices.models import Practice
    from workshop.printing.renderer import Renderer
    from workshop.toolkits import book as toolkit_book

    ids = publish_practices(3)
    renderer = Renderer(tmp_path / "cache", workers=2)
    try:
        with app.test_request_context():
            book = toolkit_book.adhoc_toolkit_document(db.session, [db.session.get(Practice, i) for i in ids], "Pool")
        job = renderer.start(book, owner="1")
        deadline = time.monotonic() + 120
        while job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            job = renderer.status(job.id)
        assert job.state == "done", job
        with pikepdf.open(renderer.path_for(book.key)) as pdf:
            assert len(pdf.pages) == job.done == job.total
            assert_tagged(pdf)
    finally:
        renderer_module.shutdown_pool()


def test_book_lays_out_one_part_at_a_time_while_a_board_is_live(app, publish_practices, tmp_path):
    """The web process answers `at_once` from the live boards' screens; with one, parts never run together."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from workshop.live import presence
    from workshop.practices.models import Practice
    from workshop.printing import books
    from workshop.printing.renderer import Renderer
    from workshop.toolkits import book as toolkit_book

    ids = publish_practices(4)
    with app.test_request_context():
        book = toolkit_book.adhoc_toolkit_document(db.session, [db.session.get(Practice, i) for i in ids], "Live")
    lock, running, most = threading.Lock(), [0], [0]

    def counted(function, *args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return function(*args)
        finally:
            with lock:
                running[0] -= 1

    renderer = Renderer(tmp_path / "cache", workers=2, live=presence.live_screens)
    presence.add(999, "sid-live", 1, "Nadia")  # a screen on a board of this process
    try:
        assert presence.live_screens() == 1 and renderer._at_once() == 1
        with ThreadPoolExecutor(2) as threads:
            meta = books.build_book(book, str(tmp_path / "cache"), book.key,
                                    lambda f, *a: threads.submit(counted, f, *a), 2, at_once=renderer._at_once)
    finally:
        presence.remove("sid-live")
    assert meta["pages"] > 4 and most[0] == 1
    assert presence.live_screens() == 0 and renderer._at_once() == 2
