"""Passerelles: schools and social centres learning to work together."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, socket handlers and CLI."""
    # Imported here, not at the top: importing any `workshop.*` module (a render worker imports only printing)
    # runs this package first, and must not pull in every domain.
    from workshop import config, database, ratelimit, redisopts
    from workshop.extensions import babel, csrf, db, login_manager, migrate, socketio
    from workshop.i18n import select_locale
    from workshop.live import wire
    from workshop.live.packets import JsonFirstPacket
    from workshop.messagequeue import ResilientRedisManager
    from workshop.web import register_web

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(config.INSTANCE))
    app.config.from_mapping(config.from_env())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # Stated for each app: Flask-Limiter's default is the shared limiter's state, left by the last app set up
    # (one app with the limits off would switch them off for every app after it in the process, as in tests).
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # Flask-Limiter without its Redis: counts in memory (one warning when Redis goes, one when it is back),
    # rather than answering 500 to every limited page (GET /j/<code>) for the length of the outage.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redisopts.options())
    database.private_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
    database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                            app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if not app.config["PUBLIC_URL"]:
        app.config["PUBLIC_URL"] = config.default_public_url(app.config["HOST"], app.config["PORT"])
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = config.trusted_hosts(app.config["PUBLIC_URL"], app.config["HOST"],
                                                           app.config["EXTRA_TRUSTED_HOSTS"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"), render_as_batch=True,
                     include_object=database.managed_by_alembic)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    ratelimit.init_app(app)
    queue = {}
    if app.config["REDIS_URL"]:  # the processes' message queue, surviving a Redis outage (messagequeue.py)
        queue["client_manager"] = ResilientRedisManager(app.config["REDIS_URL"], channel="flask-socketio")
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        serializer=JsonFirstPacket,  # the same frames, without walking a big state for bytes first
        **queue,
    )
    wire.configure(app.config["WIRE_FRAMES"])
    if app.config["WIRE_FRAMES"]:
        app.wsgi_app = wire.uncompressed(app.wsgi_app)
    register_web(app)
    return app
