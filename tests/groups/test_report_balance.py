"""The workshop report prints the balance of who came (by profile and network), read back from the PDF."""

from __future__ import annotations

import io

import pypdf
import pytest

from workshop.accounts.models import User
from workshop.boards import service as boards
from workshop.extensions import db


@pytest.mark.slow
def test_the_report_pdf_prints_who_came(app, runner, facilitator, make_structure, tmp_path):
    school = make_structure("École Jean Jaurès", network="REP+ Nord")
    with app.test_request_context():
        workshop = boards.create_workshop(db.session, db.session.get(User, facilitator.id), "Séance de mars")
        for name, profile in (("Nadia", {"kind": "school", "structure_id": school}),
                              ("Inès", {"kind": "school"}), ("Karim", {"kind": "parent"}), ("Élodie", None)):
            boards.join(db.session, {"code": workshop.code, "name": name, "profile": profile})
        db.session.commit()
        workshop_id = workshop.id
    output = tmp_path / "report.pdf"
    result = runner.invoke(args=["export-report", str(workshop_id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(output.read_bytes())).pages)
    text = " ".join(text.split())
    assert "Qui est venu" in text
    assert "École, collège : 2" in text and "Parent : 1" in text and "Sans profil indiqué : 1" in text
    assert "REP+ Nord 1" in text
    assert "Nadia" not in text.split("Qui est venu")[1][:200]  # counts, never names
