"""consult: transparent consultations on National Preventive Mechanism options under OPCAT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from consult.config import ROOT, ConfigError, Settings

if TYPE_CHECKING:  # the package stays importable without Flask (offline key tools)
    from flask import Flask

__all__ = ["ConfigError", "Settings", "create_app"]


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` is a :class:`Settings`, a mapping of settings fields that override the
    environment (tests use this), or ``None`` to read the environment alone. Raises
    :class:`ConfigError` when the result must not run.
    """
    from flask import Flask

    settings = _settings(config)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, settings)
    from consult import request_limits

    request_limits.init_app(app, settings)
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    _init_extensions(app)
    _register_blueprints(app)

    from consult import cli, errors, logging_filters, security, templating

    errors.register_error_handlers(app)
    from consult import rate_limits

    rate_limits.init_app(app)  # after the blueprints: the limits go on them by name
    security.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    logging_filters.install()  # no access-log line for sealed and assisted routes
    if settings.is_production:
        _refuse_demo_data(app)
    from consult.sealed.crypto import self_test

    self_test()  # a broken cryptography build must stop the app, not seal garbage
    return app


def _settings(config: Settings | Mapping[str, Any] | None) -> Settings:
    if config is None:
        return Settings.from_env()
    if isinstance(config, Settings):
        return config.validated()
    return Settings(**config).validated()


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        CONSULT=settings,
        SECRET_KEY=settings.secret_key,
        DEBUG=settings.debug,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        # A pooled connection to a server that restarted is found out before use; a SQLite
        # file has no server to lose, and its ping would cost every transaction a statement.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not settings.database_url.startswith("sqlite")},
        SESSION_COOKIE_NAME="consult_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        # A form left open over lunch must still send; respondent forms re-render anyway.
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
    )
    if settings.database_url.startswith("sqlite:///"):
        settings.instance_path.mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from consult.accounts import sessions
    from consult.extensions import babel, csrf, db, login_manager, migrate
    from consult.i18n.locales import select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    sessions.init_login_manager(login_manager, app)
    from consult import jobs

    jobs.init_app(app, app.config["CONSULT"].redis_url)


def _register_blueprints(app: Flask) -> None:
    import consult.quotations.models
    import consult.reports.designation_models
    import consult.reports.models
    import consult.respond.models
    import consult.sealed.models
    import consult.sealed.visit_models  # noqa: F401
    from consult.accounts.views import bp as accounts
    from consult.consultations.views import bp as consultations
    from consult.i18n.views import bp as i18n
    from consult.paper.views import bp as paper
    from consult.privacy import bp as privacy
    from consult.questionnaires.views import bp as questionnaires
    from consult.quotations.views import bp as quotations
    from consult.reports.admin import bp as report_admin
    from consult.reports.api import bp as api
    from consult.reports.designation_views import bp as designation
    from consult.reports.observatory_views import bp as observatory
    from consult.reports.open_data import bp as open_data
    from consult.reports.views import bp as reports
    from consult.respond.admin import bp as respond_admin
    from consult.respond.invitation_views import bp as invitations
    from consult.respond.invited import bp as invited
    from consult.respond.views import bp as respond
    from consult.respond.views import root
    from consult.retention.views import bp as retention
    from consult.sealed.ceremony_views import bp as ceremony
    from consult.sealed.kiosk import bp as kiosk
    from consult.sealed.reshare_views import bp as reshare
    from consult.sealed.settings_views import bp as sealed_settings
    from consult.sealed.unseal_views import bp as unseal
    from consult.sealed.views import bp as sealed
    from consult.sealed.visit_views import bp as visits

    app.register_blueprint(accounts)
    app.register_blueprint(consultations)
    app.register_blueprint(i18n)
    app.register_blueprint(questionnaires)
    app.register_blueprint(respond)
    app.register_blueprint(invited)
    app.register_blueprint(respond_admin)
    app.register_blueprint(invitations)
    app.register_blueprint(unseal)
    app.register_blueprint(root)
    app.register_blueprint(privacy)
    app.register_blueprint(sealed)
    app.register_blueprint(paper)
    app.register_blueprint(sealed_settings)
    app.register_blueprint(retention)
    app.register_blueprint(ceremony)
    app.register_blueprint(visits)
    app.register_blueprint(kiosk)
    app.register_blueprint(quotations)
    app.register_blueprint(reshare)
    app.register_blueprint(open_data)
    app.register_blueprint(api)
    app.register_blueprint(report_admin)
    app.register_blueprint(designation)
    app.register_blueprint(reports)
    app.register_blueprint(observatory)


def _refuse_demo_data(app: Flask) -> None:
    """A production instance must not serve the demo organisation and its known passwords."""
    from sqlalchemy import inspect, select

    from consult.accounts.models import Organisation
    from consult.extensions import db

    with app.app_context():
        if not inspect(db.engine).has_table(Organisation.__tablename__):
            return
        if db.session.scalar(select(Organisation.id).where(Organisation.is_demo).limit(1)):
            raise ConfigError(
                "The database holds demo data, which production refuses to serve. Use a new "
                "database, or remove the demo organisation with `flask consult demo --remove`."
            )
        db.session.remove()
