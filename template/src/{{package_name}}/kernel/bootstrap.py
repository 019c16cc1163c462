"""The one bootstrap: `create_app()` builds the service from settings, for every entry point.

The WSGI server (`<package>.wsgi:app`), the Celery worker, every `flask` command,
Alembic's env.py and the test fixtures all call it; nothing else reads the environment
or wires an extension. It never touches the database, so the service starts (and
`/health/live` answers) while the database is down.

Order of startup, fixed here and nowhere else:
settings -> logging -> Flask config -> extensions -> modules (declarations, models,
tasks, blueprints, commands) -> Celery (when generated) -> error handlers -> middleware
stack -> WSGI middleware -> checks.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask
from flask_migrate import Migrate
from flask_smorest import Api
from pydantic import ValidationError

from . import (
    builtin_checks,  # noqa: F401 - registers the kernel's checks
    docs_ui,
    health,
    route_permissions,  # noqa: F401 - registers keel.E020 (routes declare a permission)
)
from .app import KeelFlask
from .checks import run_checks
from .cli import kernel_commands
from .commands import open_shell_context
from .database import configure_engines, db, engine_options
from .errors import register_error_handlers
from .logging import configure_logging
from .middleware import build_stack, resolve_middleware
from .middleware.stack import import_dotted
from .modules import LoadedModule, is_api_blueprint, load_modules
from .openapi import KeelApi, document_kernel
from .routing import install_converters
from .settings import ConfigurationError, KernelSettings, describe_validation_error

_PROJECT_PACKAGE = __name__.split(".")[0]


@dataclass(frozen=True, slots=True)
class KernelState:
    """What the kernel keeps on `app.extensions["keel"]`."""

    settings: KernelSettings
    modules: tuple[LoadedModule, ...]
    api: Api


def state_of(app: Flask) -> KernelState:
    try:
        return cast(KernelState, app.extensions["keel"])
    except KeyError:
        raise RuntimeError(
            f"{app!r} was not built by create_app(); Keel's kernel is not set up on it."
        ) from None


def settings_of(app: Flask) -> KernelSettings:
    return state_of(app).settings


def load_settings() -> KernelSettings:
    """Read the project's `Settings` from the environment and `.env`."""
    from ..settings import Settings  # the project's own settings module

    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def flask_config(settings: KernelSettings) -> dict[str, Any]:
    return {
        "SECRET_KEY": settings.SECRET_KEY.get_secret_value(),
        "DEBUG": settings.debug,
        "TESTING": settings.testing,
        "PROPAGATE_EXCEPTIONS": False,
        "MAX_CONTENT_LENGTH": settings.MAX_CONTENT_LENGTH,
        "SQLALCHEMY_DATABASE_URI": settings.DATABASE_URL,
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
    app.config.from_mapping(flask_config(settings))
    if settings.DATABASE_URL.startswith("sqlite:///"):
        _ensure_sqlite_folder(settings.DATABASE_URL)
    db.init_app(app)
    _remove_sessions_only_when_used(app)
    configure_engines(app, settings)
    Migrate(app, db, directory="migrations")
    api = KeelApi(app)
    document_kernel(api)

    modules = load_modules(settings.INSTALLED_MODULES)
    app.extensions["keel"] = KernelState(settings=settings, modules=modules, api=api)
    _init_optional_parts(app)

    app.register_blueprint(health.blueprint)
    if settings.API_DOCS:
        app.register_blueprint(docs_ui.blueprint)
    for loaded in modules:
        for blueprint in loaded.blueprints:
            if is_api_blueprint(blueprint):
                api.register_blueprint(blueprint)
            else:
                app.register_blueprint(blueprint)
        for command in loaded.commands:
            app.cli.add_command(command)
    for command in kernel_commands():
        app.cli.add_command(command)
    app.shell_context_processor(lambda: open_shell_context(app))
    register_error_handlers(app)

    app.keel_handler = build_stack(app.dispatch_view, resolve_middleware(settings.MIDDLEWARE), app)
    for path in settings.WSGI_MIDDLEWARE:
        factory = import_dotted(path, setting="WSGI_MIDDLEWARE")
        app.wsgi_app = factory(app.wsgi_app, settings)  # type: ignore[method-assign,operator]

    errors = [m for m in run_checks(app) if m.level == "error"]
    if errors:
        raise ConfigurationError("System checks failed:\n" + "\n".join(f"  {m}" for m in errors))
    return app


def _remove_sessions_only_when_used(app: Flask) -> None:
    """Replace Flask-SQLAlchemy's teardown with one that skips requests without a session.

    Its teardown calls `db.session.remove()` at the end of every app context, which
    looks the scope up twice and raises and catches a KeyError when no session was
    made (a health probe, a cached answer, any route that does not query). Checking
    the registry first gives the same result for a fraction of the cost.
    """
    teardowns = app.teardown_appcontext_funcs
    for index, func in enumerate(teardowns):
        if getattr(func, "__func__", None) is type(db)._teardown_session:
            teardowns[index] = _remove_session_if_used


def _remove_session_if_used(exc: BaseException | None) -> None:
    if db.session.registry.has():
        db.session.remove()


def _init_optional_parts(app: KeelFlask) -> None:
    """Wire the kernel parts a project has only with some answers (Celery: `tasks.py`).

    After the modules, so their tasks are declared; imported by name so this file does
    not change between variants.
    """
    tasks = f"{__package__}.tasks"
    if importlib.util.find_spec(tasks) is not None:
        importlib.import_module(tasks).init_celery(app)


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
