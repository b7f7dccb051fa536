"""Wiring of the web layer: blueprints, socket namespaces, error pages, CLI and template helpers."""

from __future__ import annotations

from importlib import import_module

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from workshop import database
from workshop.errors import DomainError
from workshop.extensions import db, limiter, login_manager, socketio

# Each domain contributes a blueprint (views.bp) and, where it has commands, cli.register(app).
BLUEPRINTS = ("accounts", "boards", "mapping", "facilitation", "practices", "frameworks", "toolkits")
COMMANDS = ("accounts", "boards", "mapping", "practices", "toolkits")
# Modules imported for their side of the wiring: models (tables for create_all and Alembic) and board rules
# (registered with `board_rule` before the /board namespace is built).
WIRED_MODULES = (
    "networks.models", "mapping.models", "facilitation.models", "facilitation.events", "practices.models",
    "practices.events", "toolkits.models", "frameworks.models",
)


def register_web(app: Flask) -> None:
    from workshop.boards.events import BoardNamespace
    from workshop.demo import register as register_demo_cli
    from workshop.practices import index as practice_index
    from workshop.practices.coediting import PracticeNamespace

    for module in WIRED_MODULES:
        import_module(f"workshop.{module}")
    database.configure()
    limiter.init_app(app)
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    _configure_login()
    for domain in BLUEPRINTS:
        app.register_blueprint(import_module(f"workshop.{domain}.views").bp)
    practice_index.install(app)
    socketio.on_namespace(BoardNamespace())
    socketio.on_namespace(PracticeNamespace())
    for domain in COMMANDS:
        import_module(f"workshop.{domain}.cli").register(app)
    register_demo_cli(app)
    _register_error_pages(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())


def _configure_login() -> None:
    from workshop.accounts.models import User

    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def _register_error_pages(app: Flask) -> None:
    def render_error(status: int, code: str, message: str):
        if wants_json():
            return jsonify(ok=False, error={"code": code, "message": message}), status
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return render_error(error.status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, "invalid", _("Le formulaire a expiré : rechargez la page et recommencez."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: (_("Requête invalide."), "invalid"),
            403: (_("Vous n'avez pas accès à cette page."), "forbidden"),
            404: (_("Cette page n'existe pas (ou plus)."), "not_found"),
            405: (_("Action non permise sur cette page."), "invalid"),
            413: (_("Fichier trop volumineux."), "invalid"),
            429: (_("Trop de tentatives : patientez une minute avant de recommencer."), "rate_limited"),
        }
        message, code = messages.get(error.code or 500, (_("Erreur du serveur."), "internal"))
        return render_error(error.code or 500, code, message)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return render_error(500, "internal", _("Une erreur est survenue de notre côté. Réessayez dans un instant."))
