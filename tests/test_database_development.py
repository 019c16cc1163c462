"""Developing against the answer's database: what a new user reads and runs first.

For database=postgresql: `.env` and docker-compose.yml agree on freshly generated
credentials, `make db` starts the database or prints the SQL for a server of one's own,
the after-copy message and the README speak of PostgreSQL, and a database that cannot
be reached is one line (naming DATABASE_URL's server and what to do) from `make dev`
and the `flask` commands, not a traceback. For SQLite, they speak of SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import copier
import pytest
import yaml

from harness.browser import free_port
from harness.commands import run
from harness.inspect_output import read_dotenv
from harness.project import GeneratedProject
from harness.template import TEST_VERSION, load_preset, preset_names

POSTGRES_PRESETS = [
    name for name in preset_names() if load_preset(name).get("database") == "postgresql"
]


@pytest.mark.parametrize("name", preset_names())
def test_after_copy_message_names_the_database(
    name: str, template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = load_preset(name)
    copier.run_copy(
        str(template_repo),
        str(tmp_path / "service"),
        data=answers,
        defaults=True,
        unsafe=True,
        vcs_ref=TEST_VERSION,
        quiet=False,
    )
    captured = capsys.readouterr()
    message = (captured.out + captured.err).split("is ready in", 1)[-1]
    if answers["database"] == "postgresql":
        assert "make db" in message
        assert "PostgreSQL" in message
        assert "SQLite" not in message
    else:
        assert "SQLite" in message
        assert "make db" not in message


@pytest.mark.parametrize("preset", preset_names(), indirect=True)
def test_readme_speaks_of_the_database(generated: GeneratedProject) -> None:
    readme = (generated.path / "README.md").read_text(encoding="utf-8")
    assert "example.invalid" not in readme, "the README links a placeholder address"
    if generated.answers["database"] == "postgresql":
        for words in ("PostgreSQL", "make db", "TEST_DATABASE_URL", "CREATE ROLE"):
            assert words in readme, f"README.md does not mention {words!r}"
    else:
        assert "SQLite" in readme
        assert "make db" not in readme


def _compose(project: GeneratedProject) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (project.path / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize("preset", POSTGRES_PRESETS, indirect=True)
def test_env_and_compose_agree_on_the_credentials(generated: GeneratedProject) -> None:
    dotenv = read_dotenv(generated.path / ".env")
    password = dotenv["POSTGRES_PASSWORD"]
    assert len(password) >= 24, "POSTGRES_PASSWORD is not a generated secret"
    package = generated.answers["package_name"]
    url = urlsplit(dotenv["DATABASE_URL"])
    test_url = urlsplit(dotenv["TEST_DATABASE_URL"])
    assert (url.username, url.password, url.hostname, url.port) == (
        package,
        password,
        "127.0.0.1",
        5432,
    )
    assert url.path == f"/{package}"
    assert (test_url.username, test_url.password, test_url.netloc) == (
        url.username,
        url.password,
        url.netloc,
    )
    assert test_url.path != url.path, "the tests would empty the development database"
    if not generated.answers["use_docker"]:
        return
    db = _compose(generated)["services"]["db"]
    environment = db["environment"]
    assert environment["POSTGRES_USER"] == url.username
    assert environment["POSTGRES_DB"] == url.path.lstrip("/")
    assert environment["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert f"{url.hostname}:{url.port}:5432" in db["ports"]


@pytest.mark.parametrize("preset", POSTGRES_PRESETS, indirect=True)
def test_make_db_without_docker_prints_the_sql_with_the_password(
    generated: GeneratedProject,
) -> None:
    """The documented alternative for a local server, filled in with this checkout's
    values (no Docker on PATH here, so the test is the same on every machine)."""
    env = generated.env()
    folders = env["PATH"].split(os.pathsep)
    env["PATH"] = os.pathsep.join(f for f in folders if not Path(f, "docker").exists())
    result = run(["make", "db"], generated.path, timeout=120, env=env)
    assert not result.ok, result.describe()
    package = generated.answers["package_name"]
    password = read_dotenv(generated.path / ".env")["POSTGRES_PASSWORD"]
    assert f"CREATE ROLE {package} LOGIN CREATEDB PASSWORD '{password}';" in result.output
    assert f"CREATE DATABASE {package}_test OWNER {package};" in result.output


@pytest.mark.generated
@pytest.mark.parametrize("preset", POSTGRES_PRESETS, indirect=True)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("make", "migrate"), id="make-migrate"),
        pytest.param(("flask", "db", "upgrade"), id="flask-db-upgrade"),
        pytest.param(("flask", "projects", "archive-stale", "--days", "1"), id="module-command"),
    ],
)
def test_an_unreachable_database_is_one_line(
    generated: GeneratedProject, command: tuple[str, ...]
) -> None:
    port = free_port()  # nothing listens there
    package = generated.answers["package_name"]
    env = {"DATABASE_URL": f"postgresql://{package}:secret-pw@127.0.0.1:{port}/{package}"}
    if command[0] == "make":
        result = run(list(command), generated.path, timeout=300, env=generated.env(env))
    else:
        result = generated.uv_run(*command, env=env)
    assert not result.ok, result.describe()
    assert "Traceback" not in result.output, result.describe()
    lines = [line for line in result.output.splitlines() if "Cannot connect" in line]
    assert len(lines) == 1, result.describe()
    assert f"127.0.0.1:{port}" in lines[0]
    assert "make db" in lines[0]
    assert "secret-pw" not in result.output, "the message shows DATABASE_URL's password"
    if command[0] == "flask":
        assert result.output.strip().splitlines()[-1] == lines[0], "more follows the line"
