# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The one bootstrap: `create_app()` builds the service from settings, for every entry point.

The WSGI server (`<package>.wsgi:app`), the Celery worker, every `flask` command,
Alembic's env.py and the test fixtures all call it; nothing else reads the environment
or wires an extension. It never touches the database, so the service starts (and
`/health/live` answers) while the database is down. Importing the kernel does nothing.

Order of startup, fixed here and nowhere else:

1. settings (the project's `settings.Settings`), then logging;
2. the Flask app, its URL converters, its trailing-slash rule and config, and the
   kernel state;
3. the database (Flask-SQLAlchemy, engines, Alembic);
4. authentication (the token machinery, flask-jwt-extended) and the rate limiter;
5. the OpenAPI `Api`;
6. the modules of INSTALLED_MODULES (declarations, models, tasks, blueprints, commands);
7. the optional parts the settings turn on (Celery), after the modules' tasks exist;
8. blueprints (health, API docs, the modules') and commands (the modules', the kernel's);
9. error handlers, after every extension that registers its own;
10. the middleware chain (the kernel's layers and the user's), the security-headers
    edge (the WSGI wrapper closest to Flask), then WSGI_MIDDLEWARE;
11. the checks (with the deploy checks in production): errors stop startup, warnings
    are logged once.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, cast

from flask_migrate import Migrate
from pydantic import ValidationError

from .auth.tokens import AuthState
from .checks import is_silenced, run_checks
from .checks.command import check_command, report
from .cli.commands import kernel_commands
from .cli.context import open_shell_context
from .core.checks import CheckMessage, ConfigurationError
from .core.dotted import import_object
from .core.logging import configure_logging
from .core.settings import Extension, Extensions, KernelSettings, settings_error
from .core.state import EXTENSION, KernelState
from .data.database import (
    configure_engines,
    db,
    engine_options,
    engine_url,
    ensure_sqlite_folder,
)
from .http import docs_ui, health
from .http.app import KeelFlask
from .http.edge import KernelHeadersEdge
from .http.errors import register_error_handlers
from .http.jwt import init_jwt
from .http.middleware import build_stack, resolve_chain
from .http.openapi import build_api
from .http.ratelimit import RateLimiter
from .http.routing import install_converters
from .registry.modules import is_api_blueprint, load_modules

_PROJECT_PACKAGE = __name__.split(".")[0]
_log = logging.getLogger("keel.checks")


def load_settings() -> KernelSettings:
    """Read the project's `settings.Settings` from the environment and `.env`."""
    project_settings = importlib.import_module(f"{_PROJECT_PACKAGE}.settings")
    try:
        return cast(KernelSettings, project_settings.Settings())
    except ValidationError as exc:
        raise settings_error(exc) from None


def flask_config(settings: KernelSettings) -> dict[str, Any]:
    return {
        "SECRET_KEY": settings.SECRET_KEY.get_secret_value(),
        "DEBUG": settings.debug,
        "TESTING": settings.testing,
        "PROPAGATE_EXCEPTIONS": False,
        "MAX_CONTENT_LENGTH": settings.MAX_CONTENT_LENGTH,
        "SQLALCHEMY_DATABASE_URI": engine_url(settings),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(settings),
        "SQLALCHEMY_ECHO": settings.DATABASE_ECHO,
        "API_TITLE": settings.API_TITLE,
        "API_VERSION": settings.API_VERSION,
        "OPENAPI_VERSION": "3.0.3",
    }


def create_app(settings: KernelSettings | None = None) -> KeelFlask:
    """Build the service. `settings=None` reads them from the environment and `.env`."""
    settings = settings if settings is not None else load_settings()
    configure_logging(settings)

    app = KeelFlask(_PROJECT_PACKAGE)
    install_converters(app)
    # A route answers with and without its trailing slash, never with a redirect (a
    # 308 to `/api/v1/projects/` would make clients send a POST twice): docs/openapi.md.
    app.url_map.strict_slashes = False
    app.config.from_mapping(flask_config(settings))
    state = KernelState(settings)
    app.extensions[EXTENSION] = state

    ensure_sqlite_folder(settings.DATABASE_URL)
    db.init_app(app)
    configure_engines(app, settings)
    Migrate(app, db, directory="migrations")

    auth = AuthState.from_settings(settings)
    state.add(auth)
    init_jwt(app, settings, auth)
    state.add(RateLimiter.from_settings(settings))
    api = build_api(app)
    state.add(api)

    modules = load_modules(settings.INSTALLED_MODULES)
    state.add(modules)
    extensions = Extensions(
        cast(Extension, import_object(path, setting="extensions()"))
        for path in settings.extensions()
    )
    state.add(extensions)
    for extension in extensions:
        extension.init_app(app)

    app.register_blueprint(health.blueprint)
    if settings.API_DOCS:
        state.add(docs_ui.DocsAssets.find())
        app.register_blueprint(docs_ui.blueprint)
    for loaded in modules:
        for blueprint in loaded.blueprints:
            if is_api_blueprint(blueprint):
                api.register_blueprint(blueprint)
            else:
                app.register_blueprint(blueprint)
        for command in loaded.commands:
            app.cli.add_command(command)
    for command in (check_command, *kernel_commands()):
        app.cli.add_command(command)
    app.shell_context_processor(lambda: open_shell_context(app))
    register_error_handlers(app)

    chain, warnings = resolve_chain(settings.MIDDLEWARE)
    state.add(chain)
    app.keel_handler = build_stack(app.dispatch_view, chain.factories(), app)
    app.wsgi_app = KernelHeadersEdge(app.wsgi_app)  # type: ignore[method-assign]
    for path in settings.WSGI_MIDDLEWARE:
        factory = import_object(path, setting="WSGI_MIDDLEWARE")
        app.wsgi_app = factory(app.wsgi_app, settings)  # type: ignore[method-assign,operator]

    _finish_checks(app, warnings)
    return app


def _finish_checks(app: KeelFlask, found: list[CheckMessage]) -> None:
    """Stop on any error; log each warning once.

    In production (`APP_ENV=production`) the deploy checks run too: the server refuses
    to start while one of them reports an error, and the report names each id.
    """
    settings = app.extensions[EXTENSION].settings
    silenced = set(settings.SILENCED_CHECKS)
    deploy = settings.APP_ENV == "production"
    messages = [m for m in found if not is_silenced(m, silenced)]
    messages += run_checks(app, deploy=deploy)
    errors = [m for m in messages if m.level == "error"]
    if errors:
        raise ConfigurationError.of(errors)
    for message in messages:
        _log.warning("%s", message, extra={"check_id": message.id})


def cli_app() -> KeelFlask:
    """`create_app()` for the `flask` command: a startup failure is a report, not a traceback.

    `.flaskenv` points FLASK_APP here. A `ConfigurationError` prints the same report as
    `flask check` and exits 1, whatever command was asked for.
    """
    try:
        return create_app()
    except ConfigurationError as exc:
        print(report(list(exc.messages)), file=sys.stderr)  # noqa: T201 - the CLI's output
        raise SystemExit(1) from None
