"""Wiring of the web layer: blueprints, socket namespaces, error pages, CLI and template helpers."""

from __future__ import annotations

from importlib import import_module

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from workshop import database, guard, security
from workshop.accounts import service as accounts
from workshop.boards import statecache
from workshop.boards.balance import balance_state
from workshop.boards.host import BoardHost
from workshop.demo import register as register_demo_cli
from workshop.errors import DomainError
from workshop.extensions import db, limiter, login_manager, socketio
from workshop.facilitation.replies import hidden_replies
from workshop.facilitation.state import FACILITATION
from workshop.facilitation.steering import BoardSteering
from workshop.formats.texts import translations as format_translations
from workshop.i18n import LANGUAGE_NAMES, remember_on_device, text_direction
from workshop.jobs.queue import install as install_jobs
from workshop.live import cluster, fanout, presence, relay
from workshop.live.commands import Registry
from workshop.live.kernel import Kernel
from workshop.live.namespace import BoardNamespace
from workshop.mail.outbox import install as install_mail
from workshop.meetings.service import admit_to_board as meeting_admission
from workshop.moderation.service import REASONS as REPORT_REASONS
from workshop.peergroups.review import REVIEW
from workshop.practices import index as practice_index
from workshop.practices.coediting import PracticeNamespace
from workshop.printing.service import install as install_pdf_cache
from workshop.validation import ID_MAX

# Each domain contributes a blueprint (views.bp) and, where it has commands, cli.register(app).
BLUEPRINTS = ("accounts", "boards", "mapping", "facilitation", "practices", "frameworks", "printing",
              "toolkits", "privacy", "jobs", "mail", "notifications", "meetings", "peergroups", "programme",
              "networks", "showcase", "moderation", "trials")
COMMANDS = ("accounts", "boards", "mapping", "practices", "toolkits", "privacy", "jobs", "mail", "meetings",
            "programme")
# Models of every domain (tables for create_all and Alembic).
MODELS = ("live.models", "networks.models", "formats.models", "frameworks.models", "mapping.models",
          "facilitation.models", "practices.models", "toolkits.models", "jobs.models", "mail.models",
          "notifications.models", "meetings.models", "peergroups.models", "programme.models", "moderation.models",
          "trials.models")
# The modules declaring live board actions (`live.commands.command`); the kernel's registry is built from them.
BOARD_COMMANDS = (
    "boards.cards", "boards.inbox", "facilitation.phases", "facilitation.tables", "facilitation.timer",
    "facilitation.undoable", "facilitation.votes", "facilitation.replies", "facilitation.similar",
    "facilitation.setup", "practices.board", "privacy.commands", "boards.balance", "peergroups.review",
    "moderation.commands",
)
# Upload pages allowed a larger body than MAX_CONTENT_LENGTH: endpoint -> the setting holding their limit.
UPLOAD_LIMITS = {"mapping.import_page": "MAP_IMPORT_MAX_BYTES"}

# The modules declaring queued tasks (`jobs.queue.job_task`); the queue is built from them, in the web process
# and in `flask run-worker` alike.
JOB_TASKS = ("mapping.imports.job", "practices.import_job", "jobs.housekeeping", "privacy.tasks", "mail.tasks",
             "notifications.tasks")


def build_kernel() -> Kernel:
    """The live kernel: the boards host, with the steering and state parts facilitation adds to boards, and the
    admission checks of domains whose boards are not open to all (a meeting's preparation board)."""
    registry = Registry.build(import_module(f"workshop.{name}") for name in BOARD_COMMANDS)
    parts = (FACILITATION, balance_state, REVIEW)
    return Kernel(registry, BoardHost(steering=BoardSteering, state_parts=parts, hidden_parts=(hidden_replies,),
                                      admissions=(meeting_admission,)))


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL stops at the largest id a column holds: a bigger number is a 404, not a database
    error."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX,  # noqa: A002
                 signed: bool = False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    for module in MODELS:
        import_module(f"workshop.{module}")
    database.configure()
    statecache.install()
    install_pdf_cache()
    limiter.init_app(app)
    _configure_login()
    for domain in BLUEPRINTS:
        app.register_blueprint(import_module(f"workshop.{domain}.views").bp)
    practice_index.install(app)
    install_jobs(app, [import_module(f"workshop.{name}") for name in JOB_TASKS])
    install_mail(app)
    kernel = app.extensions["live"] = build_kernel()
    cluster.configure(app.config["REDIS_URL"], fanout.deliver,
                      lambda workshop_id: (presence.host_lost(workshop_id), kernel.presence_lost(app, workshop_id)))
    relay.install(app, kernel)
    socketio.on_namespace(BoardNamespace(kernel))
    socketio.on_namespace(PracticeNamespace())
    for domain in COMMANDS:
        import_module(f"workshop.{domain}.cli").register(app)
    register_demo_cli(app)
    _register_error_pages(app)
    security.install(app)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["public_base"] = lambda: app.config["PUBLIC_URL"].rstrip("/")  # embed snippets
    app.jinja_env.globals["report_reasons"] = REPORT_REASONS  # the "Signaler" box on sheets, structures, links
    app.jinja_env.globals.update(text_direction=lambda: text_direction(str(get_locale())),
                                 language_names=LANGUAGE_NAMES, format_translations=format_translations)
    app.after_request(remember_on_device)
    _install_guard(app)


def _install_guard(app: Flask) -> None:
    """The request guard around everything (Socket.IO included), inside ProxyFix: it counts the client's address."""
    app.config["UPLOAD_LIMITS"] = {rule.rule: app.config[UPLOAD_LIMITS[rule.endpoint]]
                                   for rule in app.url_map.iter_rules() if rule.endpoint in UPLOAD_LIMITS}
    guard.install(app)
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


def _configure_login() -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        return accounts.user_of_session(db.session, session_id)


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

    @app.errorhandler(SecurityError)
    def untrusted_host(_error: SecurityError):
        """A Host header outside TRUSTED_HOSTS: no URL can be built for it, so a short answer without links."""
        message = _("Requête invalide.")
        if wants_json():
            return jsonify(ok=False, error={"code": "invalid", "message": message}), 400
        return Response(message, status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: (_("Requête invalide."), "invalid"),
            403: (_("Vous n'avez pas accès à cette page."), "forbidden"),
            404: (_("Cette page n'existe pas (ou plus)."), "not_found"),
            405: (_("Action non permise sur cette page."), "invalid"),
            408: (_("L'envoi était trop lent et a été interrompu : réessayez avec une meilleure connexion."),
                  "too_slow"),
            413: (_("Fichier trop volumineux."), "too_large"),
            429: (_("Trop de tentatives : patientez une minute avant de recommencer."), "rate_limited"),
        }
        message, code = messages.get(error.code or 500, (_("Erreur du serveur."), "internal"))
        return render_error(error.code or 500, code, message)

    def database_unavailable(error: Exception):
        """The database does not answer (stopped, restarting, locked beyond the wait): 503 and "try again",
        not a 500 (a broken schema still is one). The page is rendered without the database; if even that
        fails, a line of text."""
        if not database.unavailable(error):
            return server_error(error)
        app.logger.warning("%s: database unavailable (%s)", request.path, str(error).splitlines()[0][:200])
        message = _("Le service ne répond pas pour l'instant : réessayez dans quelques secondes.")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection itself is gone: removing the session discards it)
            db.session.remove()
        try:
            response, status = render_error(503, "unavailable", message)
        except Exception:  # noqa: BLE001  (the layout asked the database too: the user of the session)
            response, status = Response(message, mimetype="text/plain"), 503
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "5"
        return response

    for unavailable in database.UNAVAILABLE:
        app.register_error_handler(unavailable, database_unavailable)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return render_error(500, "internal", _("Une erreur est survenue de notre côté. Réessayez dans un instant."))
