# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's pytest plugin: one app and one schema per session, one rolled-back
transaction per test.

`tests/conftest.py` loads it by name (`pytest_plugins = ["<package>.kernel.testing"]`);
nothing else imports it, so the service never needs pytest outside its tests. It is the
top layer of the kernel: it may import every other one.

Every test runs inside an outer transaction on a single connection; the app's sessions
join it with SAVEPOINTs (`join_transaction_mode="create_savepoint"`), so a commit in a
request stays inside the test and everything is rolled back at its end. Creating the
schema once and rolling back is what keeps the suite fast (about 2 ms per test).

`TEST_DATABASE_URL` picks the database. Without it the suite uses a SQLite file in a
temporary folder, unless the project's own DATABASE_URL (the environment, then `.env`,
then its `Settings` default) is PostgreSQL: then the suite stops and asks for one.

Fixtures: `database_url`, `settings`, `app`, `client`, `db_session`, and two that run
for every test using `app`: the rollback and the reset of the rate limits.
`make_settings(database_url, **overrides)` builds the same test settings for an app of
a test's own.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import cast

import pytest
from flask.testing import FlaskClient
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from .bootstrap import create_app
from .core.settings import KernelSettings
from .data.database import Model, db
from .http.app import KeelFlask
from .http.ratelimit import rate_limiter_of

#: The suite's own keys (nothing is read from .env); never use them outside tests.
TEST_SECRET = "test-secret-key-for-the-test-suite-only-0123456789"  # noqa: S105
TEST_JWT_SECRET = "test-jwt-signing-key-for-the-test-suite-only-9876543210"  # noqa: S105

_PROJECT_PACKAGE = __name__.split(".")[0]
#: Celery's in-memory broker, for settings that have Celery: the suite writes nothing
#: under var/ (tasks run eagerly).
_CELERY_IN_MEMORY = {"CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"}


def settings_class() -> type[KernelSettings]:
    """The project's `settings.Settings`, loaded by name as `create_app()` loads it."""
    project_settings = importlib.import_module(f"{_PROJECT_PACKAGE}.settings")
    return cast(type[KernelSettings], project_settings.Settings)


def make_settings(database_url: str, **overrides: object) -> KernelSettings:
    """Settings for tests: nothing read from .env, so the suite is the same everywhere."""
    cls = settings_class()
    values: dict[str, object] = {
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_JWT_SECRET,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **{name: url for name, url in _CELERY_IN_MEMORY.items() if name in cls.model_fields},
        **overrides,
    }
    return cls(_env_file=None, **values)  # type: ignore[arg-type]


def configured_database_url(cls: type[KernelSettings]) -> str:
    """DATABASE_URL as the project reads it outside the tests: the environment, then its
    env file (`.env`), then the default of its settings class."""

    class DatabaseOnly(BaseSettings):
        model_config = SettingsConfigDict(
            env_file=cls.model_config.get("env_file"),
            env_file_encoding=cls.model_config.get("env_file_encoding"),
            case_sensitive=cls.model_config.get("case_sensitive", False),
            extra="ignore",
        )

        DATABASE_URL: str = cls.model_fields["DATABASE_URL"].default

    return DatabaseOnly().DATABASE_URL


def is_postgresql(url: str) -> bool:
    return url.partition("://")[0].split("+")[0] in ("postgres", "postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if is_postgresql(configured_database_url(settings_class())):
        pytest.exit(
            "TEST_DATABASE_URL is not set: this project's tests run against PostgreSQL, e.g. "
            f"TEST_DATABASE_URL=postgresql://user:password@127.0.0.1:5432/{_PROJECT_PACKAGE}_test",
            returncode=2,
        )
    folder = tmp_path_factory.mktemp("database")
    return f"sqlite:///{folder / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> KernelSettings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: KernelSettings) -> Iterator[KeelFlask]:
    app = create_app(settings)
    with app.app_context():
        Model.metadata.drop_all(db.engine)
        Model.metadata.create_all(db.engine)
    yield app
    with app.app_context():
        Model.metadata.drop_all(db.engine)
        db.engine.dispose()


@pytest.fixture(scope="session")
def _engine(app: KeelFlask) -> Engine:
    with app.app_context():
        return db.engine


@pytest.fixture(autouse=True)
def _rollback(request: pytest.FixtureRequest) -> Iterator[Connection | None]:
    """Wrap the test in an outer transaction that is always rolled back."""
    if "app" not in request.fixturenames:
        yield None
        return
    engine: Engine = request.getfixturevalue("_engine")
    connection = engine.connect()
    outer = connection.begin()
    # Configure the factory, not the scoped registry: no app context is needed, and every
    # session the app opens during the test (requests, tasks, commands) joins the test's.
    factory = db.session.session_factory
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        factory.configure(bind=None, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def db_session(app: KeelFlask, _rollback: Connection) -> Iterator[Session]:
    """A session of the test's own, in the test's transaction (not the app's scoped one)."""
    session: Session = db.session.session_factory()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def client(app: KeelFlask) -> FlaskClient:
    """An anonymous client."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Login counters are per app, and the app lives for the session: reset per test."""
    yield
    if "app" in request.fixturenames:
        rate_limiter_of(request.getfixturevalue("app")).reset()
