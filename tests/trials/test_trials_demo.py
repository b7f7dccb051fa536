"""seed-demo seeds believable trials: four approved (counted on their sheets and on the map) and one pending for
the coordinator's queue; running it again adds none."""

from __future__ import annotations

from sqlalchemy import select

from workshop.extensions import db
from workshop.trials import public
from workshop.trials.models import Trial


def test_seed_demo_adds_approved_trials_and_one_pending_once(app, runner, client):
    result = runner.invoke(args=["seed-demo", "--practices", "12", "--structures", "40"])
    assert result.exit_code == 0, result.output
    assert "Pratiques essayées" in result.output
    with app.app_context():
        trials = db.session.scalars(select(Trial)).all()
        assert sorted(t.status for t in trials) == ["approved"] * 4 + ["pending"]
        counts = public.counts(db.session)
        assert sum(n for n, _m in counts.values()) == 4
        tried = max(counts, key=lambda pid: counts[pid][0])
    assert "Essayée par 2 structures dans" in client.get(f"/fiches/{tried}").get_data(as_text=True)
    assert len(client.get("/api/carte/essais.geojson").get_json()["features"]) == 4
    again = runner.invoke(args=["seed-demo", "--practices", "12", "--structures", "40"])
    assert again.exit_code == 0 and "Pratiques essayées" not in again.output
    with app.app_context():
        assert len(db.session.scalars(select(Trial)).all()) == 5
