"""The panorama's bar charts wrap a long label instead of clipping it at the chart's left edge (issue #13, 10).

The PDF keeps a clipped label's text, so here the label is read back whole; that nothing runs past the chart's edge
is measured in the browser (tests/browser/test_browser_pages.py), on the same SVG."""

from __future__ import annotations

import re

from tests.toolkits.conftest import flat, page_texts, read_pdf
from workshop.extensions import db

LONG = "Programme de réussite éducative et d'accompagnement des familles du quartier des Francs-Moisins"


def test_a_long_bar_label_prints_whole_in_the_panorama_pdf(app, client, make_user, make_structure, make_link,
                                                           tmp_path):
    from workshop.accounts.models import User
    from workshop.frameworks import service as frameworks

    admin = make_user("admin")
    with app.app_context():
        frameworks.save_framework(db.session, db.session.get(User, admin.id), "pre_francs_moisins", LONG)
        db.session.commit()
    a = make_structure("Centre social intercommunal de la Plaine-Saint-Denis et du Landy")
    b = make_structure("École élémentaire Joséphine-Baker", kind="ecole_primaire")
    make_link(a, b, level="co_construction", formalisation="framework", frameworks=["pre_francs_moisins"])

    app.config.update(PDF_CACHE_DIR=str(tmp_path / "pdf"), PDF_INLINE_WAIT=60)
    try:
        response = client.get("/carte/panorama.pdf")
    finally:
        from workshop.printing.renderer import shutdown_pool

        shutdown_pool()
    assert response.status_code == 200
    reader = read_pdf(response.data)
    response.close()
    text = re.sub(r"\s+", " ", flat("\n".join(page_texts(reader))))
    assert LONG in text
