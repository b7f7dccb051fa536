"""Long documents (a toolkit, for one) laid out as parts in parallel, then assembled into one tagged PDF.

Why: WeasyPrint lays a document out in one thread, ~0.1 s CPU a page; a 100-practice toolkit is ~220 pages, over
20 s in one process. Its chapters (the practices) start on a new page, so the body can be cut into chunks of whole
chapters laid out at the same time in the render pool; only the page numbers need the whole book.

How, in three steps:
1. Every part is laid out: front matter (cover, introduction, table of contents), each section's opening page,
   chunks of chapters, back matter (index, how it was made). Parts that print page numbers carry ⟦pg:anchor⟧
   marks, filled with a same-width placeholder. Parts carry no running heads, so a chunk's PDF depends on its
   chapters alone and is cached by its content hash (a re-export after one edit lays out one chunk).
2. Once every part is counted, the parts with marks are laid out again with the real numbers, alongside the
   running heads (title, section, "Page n / N" on one page per book page, in pieces: templates/pdf/heads.css).
3. `assemble` stacks the parts with qpdf (pikepdf), stamps the heads over every page but the cover (as artifacts), and
   merges the parts' structure trees, named destinations and link annotations, so the book stays a tagged
   PDF/UA document whose links work: each part is rendered with the anchors it links to but does not hold as
   empty targets, and the book keeps only each anchor's real destination.

This module imports neither Flask nor the app: it runs in the render pool.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from html import escape
from importlib.metadata import version
from pathlib import Path

from workshop.printing.weasy import RENDERER_VERSION, lay_out, spool, unspool, write_json, write_pdf

PAGE_MARK = re.compile(r"\u27e6pg:([A-Za-z0-9_-]+)\u27e7")  # ⟦pg:anchor⟧ in front/back HTML -> page number
_HREF = re.compile(r'href="#([A-Za-z0-9_-]+)"')
_ID = re.compile(r'\sid="([A-Za-z0-9_-]+)"')
CHUNKS_PER_WORKER = 4  # enough chunks to keep every worker busy to the end, few enough to share the fonts


@dataclass(frozen=True)
class PdfBook:
    """A document rendered as parts. `parts`: dicts with kind (front|opening|chapter|back), body (HTML inside
    <body>), anchor (where links to the part land), title and level (bookmarks), section (running head).
    `head`/`tail`: the HTML around a part's body. `heads_css`: the running-heads stylesheet. `meta`: title,
    author, subject, running, lang."""

    parts: tuple
    head: str
    tail: str
    css: str
    heads_css: str
    meta: dict
    filename: str
    estimated_pages: int = 1
    variant: str | None = "pdf/ua-1"

    @functools.cached_property
    def key(self) -> str:  # ~6 ms for 100 chapters, asked several times per request: computed once
        digest = hashlib.sha256()
        digest.update(json.dumps([RENDERER_VERSION, "book", self.parts, self.head, self.tail, self.css,
                                  self.heads_css, self.meta, self.variant], sort_keys=True).encode())
        return digest.hexdigest()


def part_key(html: str, css: str, variant: str | None) -> str:
    digest = hashlib.sha256()
    for piece in (RENDERER_VERSION, "part", variant or "", html, "\x00", css):
        digest.update(piece.encode())
    return digest.hexdigest()


def with_link_targets(html: str) -> str:
    """Add an empty target for each anchor the HTML links to but does not hold.

    WeasyPrint only writes a link whose target it laid out; these stand-ins make it write (and tag) the link,
    pointing to a named destination that `assemble` replaces with the real one from the part that holds it.
    """
    missing = sorted(set(_HREF.findall(html)) - set(_ID.findall(html)))
    if not missing:
        return html
    targets = "".join(f'<span id="{name}"></span>' for name in missing)
    # At the very end: an empty line box has no height, so the layout does not move.
    return html.replace("</body>", f'<div class="link-targets">{targets}</div></body>', 1)


def cached_part(cache_dir: str, key: str) -> dict | None:
    """The page count and anchors of a part laid out before, if its PDF is in the cache."""
    folder = Path(cache_dir) / "parts"
    try:
        meta = json.loads((folder / f"{key}.json").read_text())
        os.utime(folder / f"{key}.pdf")  # recently used parts survive pruning
    except (OSError, ValueError):  # never laid out, pruned, or half written
        return None
    return meta


def render_part(source: str, cache_dir: str, key: str) -> dict:
    """Lay out one spooled part into `<cache_dir>/parts/<key>.pdf`; return its page count and the page of each
    anchor it holds."""
    html, css, variant = unspool(source)
    folder = Path(cache_dir) / "parts"
    folder.mkdir(parents=True, exist_ok=True)
    document = lay_out(html, css, variant, str(folder))
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
    meta = {"pages": len(document.pages), "anchors": anchors}
    write_json(folder / f"{key}.json", meta)  # before the PDF: whoever finds the PDF finds its page count
    write_pdf(document, folder / f"{key}.pdf", variant)
    return meta


def _numbered(body: str, pages: dict[str, int] | None) -> str:
    """Fill the ⟦pg:anchor⟧ marks with page numbers (a same-width placeholder while counting)."""
    return PAGE_MARK.sub(lambda m: str(pages.get(m[1], "")) if pages is not None else "000", body)


def _heads_html(book: PdfBook, sections: list[str], start: int, end: int) -> str:
    """Pages start..end-1 of the running heads: title, section, networks and "Page n / N" (see heads.css)."""
    title, author, total = escape(book.meta["running"]), escape(book.meta["author"]), len(sections)
    pages = "".join(f'<div class="h"><p class="tl">{title}</p><p class="tr">{escape(sections[n])}</p>'
                    f'<p class="bl">{author}</p><p class="br">Page {n + 1} / {total}</p></div>'
                    for n in range(start, end))
    return f'<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body>{pages}</body></html>'


def _heads(book: PdfBook, sections: list[str], pieces: int) -> list[str]:
    size = math.ceil(len(sections) / max(1, pieces))
    return [_heads_html(book, sections, start, min(start + size, len(sections)))
            for start in range(0, len(sections), size)]


@dataclass
class _Unit:
    """What one render task lays out: one part, or a chunk of consecutive chapters."""

    parts: list[dict]
    numbered: bool  # holds ⟦pg:…⟧ marks: laid out again once the pages are counted


def _units(book: PdfBook, workers: int) -> list[_Unit]:
    chapters = sum(1 for p in book.parts if p["kind"] == "chapter")
    size = max(1, math.ceil(chapters / (max(1, workers) * CHUNKS_PER_WORKER)))
    units: list[_Unit] = []
    for part in book.parts:
        last = units[-1] if units else None
        if (part["kind"] == "chapter" and last is not None and last.parts[-1]["kind"] == "chapter"
                and len(last.parts) < size):
            last.parts.append(part)
        else:
            units.append(_Unit([part], bool(PAGE_MARK.search(part["body"]))))
    return units


def _unit_html(book: PdfBook, unit: _Unit, pages: dict[str, int] | None) -> str:
    body = "".join(_numbered(p["body"], pages) if unit.numbered else p["body"] for p in unit.parts)
    return with_link_targets(book.head + body + book.tail)


Submit = Callable[..., Future]


def build_book(book: PdfBook, cache_dir: str, key: str, submit: Submit, workers: int = 1,
               pause: Callable[[], None] = lambda: None, at_once: Callable[[], int] | None = None) -> dict:
    """Lay out the parts through `submit` (a pool's, or an inline one), number the pages, assemble.

    Runs where waiting is cheap (a thread of the web process, the CLI): the layout and the assembly are tasks.
    `pause` is called between two pieces of work done here, so a gevent server keeps serving the live boards.
    `at_once`, asked before each task, caps how many run together: the web process answers 1 while a live
    board has screens. Even in the idle class, layouts share the cores' caches and memory bandwidth with the
    web process (measured on 2 cores: live-board p95 +29 % to +62 % with two at once, +11 % with one).
    """
    started = time.perf_counter()
    cache = Path(cache_dir)
    (cache / "jobs").mkdir(parents=True, exist_ok=True)
    progress = cache / "jobs" / f"{key}.progress"
    done = [0]

    def run(jobs: list[tuple[str, str, str | None]], counted: bool) -> list[tuple[str, dict]]:
        """Lay out (html, css, variant) jobs, largest first so no worker is left with a long one at the end;
        return each job's (part key, page count and anchors)."""
        keys, results = [], {}
        for i, job in enumerate(jobs):
            keys.append(part_key(*job))
            if (meta := cached_part(cache_dir, keys[i])) is not None:
                results[i] = meta
                done[0] += meta["pages"] if counted else 0
            pause()
        waiting = deque(sorted(set(range(len(jobs))) - set(results), key=lambda i: -len(jobs[i][0])))
        running: dict[Future, int] = {}
        while waiting or running:
            while waiting and len(running) < max(1, min(workers, at_once() if at_once else workers)):
                i = waiting.popleft()
                running[submit(render_part, spool(cache_dir, keys[i], *jobs[i]), cache_dir, keys[i])] = i
                pause()
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                results[i] = future.result()
                done[0] += results[i]["pages"] if counted else 0
                write_json(progress, {"page": done[0], "step": "layout", "at": time.time()})
        return [(keys[i], results[i]) for i in range(len(jobs))]

    def html(unit: _Unit, pages: dict[str, int] | None) -> str:
        text = _unit_html(book, unit, pages)
        pause()
        return text

    units = _units(book, workers)
    held = [_anchors_held(u) for u in units]
    keys, metas = map(list, zip(*run([(html(u, None), book.css, book.variant) for u in units], True), strict=True))
    for _attempt in range(3):
        starts, page = [], 1
        for meta in metas:
            starts.append(page)
            page += meta["pages"]
        pages: dict[str, int] = {}
        for names, start, meta in zip(held, starts, metas, strict=True):
            for name, number in meta["anchors"].items():
                if name in names:  # not the stand-in targets of links to other parts
                    pages.setdefault(name, start + number)
        sections = _sections_by_page(units, metas)
        numbered = [i for i, u in enumerate(units) if u.numbered]
        heads = _heads(book, sections, workers)
        again = run([(html(units[i], pages), book.css, book.variant) for i in numbered]
                    + [(text, book.heads_css, None) for text in heads], False)
        changed = False
        for i, (part, meta) in zip(numbered, again, strict=False):
            changed |= meta["pages"] != metas[i]["pages"]
            keys[i], metas[i] = part, meta
        if not changed:
            break
    plan = {
        "units": [{"key": part, "anchors": sorted(names)} for part, names in zip(keys, held, strict=True)],
        "heads": [part for part, _meta in again[len(numbered):]],
        "bookmarks": [[part["title"], part.get("level", 1), pages.get(part.get("anchor"), start) - 1]
                      for unit, start in zip(units, starts, strict=True) for part in unit.parts if part.get("title")],
        "meta": book.meta,
    }
    write_json(progress, {"page": len(sections), "step": "pdf", "at": time.time()})
    meta = submit(assemble, plan, cache_dir, key).result()
    meta["seconds"] = round(time.perf_counter() - started, 3)
    write_json(cache / f"{key}.json", meta)
    return meta


def _anchors_held(unit: _Unit) -> set[str]:
    html = "".join(p["body"] for p in unit.parts)
    return set(_ID.findall(html))


def _sections_by_page(units: list[_Unit], metas: list[dict]) -> list[str]:
    """The running head's section for each page: a chunk's pages follow its chapters' own page counts."""
    sections: list[str] = []
    for unit, meta in zip(units, metas, strict=True):
        names = [p.get("section", "") for p in unit.parts]
        # Within a chunk, the section only changes at an opening part, which is never chunked: one name.
        sections.extend([names[0]] * meta["pages"])
    return sections


def assemble(plan: dict, cache_dir: str, key: str) -> dict:
    """Stack the parts into one PDF with qpdf (pikepdf); see the module docstring. A pool task.

    qpdf copies each part's objects once (pages, fonts, structure elements keep their references to each other)
    and writes them in compressed object streams: a tagged book stays the size of one WeasyPrint document.
    """
    import pikepdf  # render worker only: keeps pikepdf off the web process
    from pikepdf import Array, Dictionary, Name, NameTree, NumberTree, OutlineItem, Pdf, Rectangle

    cache = Path(cache_dir)
    book = Pdf.new()
    document = book.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    tree_root = book.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = tree_root
    parent_tree = NumberTree.new(book)
    destinations = NameTree.new(book)
    next_key = 0
    sources = []  # kept open until saved: copied objects are read from them lazily
    for unit in plan["units"]:
        part = Pdf.open(cache / "parts" / f"{unit['key']}.pdf")
        sources.append(part)
        for page in part.pages:  # pages first: the structure copied below then points to these copies
            book.pages.append(page)
            copy = book.pages[-1].obj
            if Name.StructParents in copy:
                copy.StructParents = int(copy.StructParents) + next_key
            for annotation in copy.get(Name.Annots, Array()):
                if Name.StructParent in annotation:
                    annotation.StructParent = int(annotation.StructParent) + next_key
        held = set(unit["anchors"])
        names = part.Root.get(Name.Names, Dictionary()).get(Name.Dests)
        if names is not None:
            for name, destination in NameTree(names).items():
                if name in held:  # not the stand-ins of links to other parts
                    destinations[name] = _copy(book, destination)
        tree = part.Root.get(Name.StructTreeRoot)
        if tree is None:
            continue
        kids = tree.K if isinstance(tree.K, Array) else Array([tree.K])
        for kid in kids:  # the part's /Document becomes a /Part of the book's /Document
            del kid.P  # before copying: the copy must not bring the part's tree root along
            copied = book.copy_foreign(kid)
            copied.S, copied.P = Name.Part, document
            document.K.append(copied)
        highest = -1
        for number, value in NumberTree(tree.ParentTree).items():
            parent_tree[number + next_key] = _copy(book, value)
            highest = max(highest, number)
        next_key += highest + 1

    heads = [Pdf.open(cache / "parts" / f"{head}.pdf") for head in plan["heads"]]
    sources.extend(heads)
    head_pages = [(head, page) for head in heads for page in head.pages]
    if len(head_pages) != len(book.pages):  # never expected: numbering would be off, so refuse
        raise RuntimeError(f"running heads: {len(head_pages)} pages for a book of {len(book.pages)}")
    for number, page in enumerate(book.pages):
        if not number:  # the cover has no header or footer
            continue
        head, head_page = head_pages[number]
        form = head.make_indirect(head_page.as_form_xobject())
        name = page.add_resource(form, Name.XObject, prefix="Head")
        placed = page.calc_form_xobject_placement(page.Resources.XObject[name], name, Rectangle(page.trimbox))
        # Pagination, not content: an artifact, which screen readers skip.
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n/Artifact <</Type /Pagination>> BDC\n" + placed + b"\nEMC\n")

    tree_root.ParentTree = parent_tree.obj
    tree_root.ParentTreeNextKey = next_key
    root = book.Root
    root.StructTreeRoot = tree_root
    root.MarkInfo = Dictionary(Marked=True)
    root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    root.Lang = pikepdf.String(plan["meta"].get("lang", "fr"))
    root.Names = Dictionary(Dests=destinations.obj)
    root.PageMode = Name.UseOutlines
    front = sources[0]
    if Name.Metadata in front.Root:  # XMP of the first part: title, language, PDF/UA identification
        root.Metadata = book.copy_foreign(front.Root.Metadata)
    meta = plan["meta"]
    book.docinfo.Title, book.docinfo.Author = meta["title"], meta["author"]
    book.docinfo.Subject, book.docinfo.Creator = meta.get("subject", ""), "Passerelles"
    book.docinfo.Producer = f"WeasyPrint {version('weasyprint')}"  # as the XMP copied above says
    with book.open_outline() as outline:
        parent = None
        for title, level, number in plan["bookmarks"]:
            item = OutlineItem(title, number)
            if level == 1 or parent is None:
                outline.root.append(item)
                parent = item
            else:
                parent.children.append(item)
    write_json(cache / f"{key}.json", {"pages": len(book.pages)})  # before the PDF: a status read sees both
    tmp = cache / f".{key}.{os.getpid()}.pdf"
    book.save(tmp, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
              min_version="1.7")  # PDF/UA-1 is built on PDF 1.7
    os.replace(tmp, cache / f"{key}.pdf")
    for source in sources:
        source.close()
    return {"pages": len(book.pages)}


def _copy(book, value):
    """Copy a value from a part into the book: qpdf copies indirect objects (once per part), direct arrays and
    dictionaries are rebuilt around them."""
    from pikepdf import Array, Dictionary, Object  # render worker only (see assemble)

    if not isinstance(value, Object):  # numbers come out as Python values
        return value
    if value.is_indirect:
        return book.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copy(book, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({name: _copy(book, item) for name, item in value.items()})
    return value
