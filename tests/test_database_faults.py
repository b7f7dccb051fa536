"""A database connection that the database closed (a restart, an idle timeout, a killed backend) is found out
before a request uses it: the first requests after a PostgreSQL restart failed on stale pooled connections."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from workshop.extensions import db


def test_a_connection_closed_by_the_database_is_replaced_before_use(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a SQLite file has no server to close a connection: the PostgreSQL pass runs this")
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # the connection goes back to the pool, alive as far as the pool knows
        admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
        finally:
            admin.dispose()
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # on a fresh connection, not an error
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar() != backend
