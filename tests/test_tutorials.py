"""The tutorials of the docs site, run as written (harness/tutorial.py runs each page's
marked shell blocks in order, in one bash, with everything it starts killed afterwards).

- Start a service (docs/tutorials/start.md): copy each preset from the template under
  test, migrate, create a user, `make dev`, ask `/health/live`; the full preset against
  a scratch PostgreSQL database.
- Upgrade (docs/tutorials/upgrade.md): the minimal preset from the last recorded
  release, a change of the team's, `make update` to the template under test (which runs
  the migrations, the snapshots, `make lint` and `make test` itself).
- Fork (docs/forking.md): clone the template, add and commit a preset, the preset tests,
  a service from it.
- Deploy (docs/tutorials/deploy.md): the full preset's shared project in production
  mode on PostgreSQL and Redis, `flask check --deploy`, two web instances and a worker,
  one request path across them, the proxy headers; the Docker Compose path runs only
  where a Docker daemon answers (a skip naming why otherwise).

The add-module tutorial is tests/test_new_module.py's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.browser import free_port
from harness.commands import expect_ok, project_env
from harness.project import SUITE_TIMEOUT, SUMMARY_NOTE, GeneratedProject
from harness.services import Availability, scratch_database
from harness.template import REPO_ROOT, releases
from harness.tutorial import docker_available, run_page, steps, unmarked_blocks

DOCS = REPO_ROOT / "docs"
PAGES = sorted([*(DOCS / "tutorials").glob("*.md"), DOCS / "forking.md"])
#: Who the tutorials' `git commit`s are by (a CI machine may have no identity).
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Keel tutorial",
    "GIT_AUTHOR_EMAIL": "tutorial@keel.invalid",
    "GIT_COMMITTER_NAME": "Keel tutorial",
    "GIT_COMMITTER_EMAIL": "tutorial@keel.invalid",
}
#: The Redis database the tutorials' services share (the generated suites use another).
REDIS_DB = 12


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_every_shell_block_says_whether_it_runs(page: Path) -> None:
    assert not unmarked_blocks(page), (
        f"{page.name}: shell blocks at lines {unmarked_blocks(page)} carry no "
        "`<!-- test: run -->` / `needs docker` / `not run: why` marker"
    )
    assert any(step.kind == "run" for step in steps(page)), f"{page.name} runs nothing"


def _env(template_repo: Path, **extra: str) -> dict[str, str]:
    return project_env({"KEEL": str(template_repo), **GIT_IDENTITY, **extra})


def _redis_url(redis: Availability) -> str:
    if redis.url is None:
        pytest.skip(redis.skip_message)
    base, _, last = redis.url.rpartition("/")
    return f"{base}/{REDIS_DB}" if last.isdigit() else f"{redis.url.rstrip('/')}/{REDIS_DB}"


@contextlib.contextmanager
def _postgres_database(request: pytest.FixtureRequest, label: str) -> Iterator[str]:
    postgres: Availability = request.getfixturevalue("postgres")
    if postgres.url is None:
        pytest.skip(postgres.skip_message)
    with scratch_database(postgres.url, label) as url:
        yield url


@pytest.mark.parametrize("start_preset", ["minimal", "standard", "full"])
def test_start_a_service(
    start_preset: str,
    template_repo: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    record_property: Any,
) -> None:
    page = DOCS / "tutorials" / "start.md"
    extra = {"PRESET": start_preset, "FLASK_RUN_PORT": str(free_port())}
    with contextlib.ExitStack() as stack:
        if start_preset == "full":
            extra["DATABASE_URL"] = stack.enter_context(_postgres_database(request, "tut_start"))
            redis = _redis_url(request.getfixturevalue("redis"))
            extra |= {"CELERY_BROKER_URL": redis, "CELERY_RESULT_BACKEND": redis}
        result = run_page(page, tmp_path, _env(template_repo, **extra))
    record_property(SUMMARY_NOTE, f"start tutorial ({start_preset}): {result.seconds:.0f} s")
    expect_ok(result)


def test_upgrade_with_make_update(
    template_repo: Path, tmp_path: Path, record_property: Any
) -> None:
    page = DOCS / "tutorials" / "upgrade.md"
    last = releases()[-1].version
    result = run_page(page, tmp_path, _env(template_repo, RELEASE=last), timeout=SUITE_TIMEOUT)
    record_property(SUMMARY_NOTE, f"upgrade tutorial from {last}: {result.seconds:.0f} s")
    expect_ok(result)
    assert "Update done" in result.output, result.output[-2000:]


def test_fork_the_template_and_keep_presets(
    template_repo: Path, tmp_path: Path, record_property: Any
) -> None:
    page = DOCS / "forking.md"
    # The fork's dev tools are this suite's own (`uv run --no-sync` only reads them).
    env = _env(
        template_repo, FORK=str(template_repo), UV_PROJECT_ENVIRONMENT=str(REPO_ROOT / ".venv")
    )
    result = run_page(page, tmp_path, env)
    record_property(SUMMARY_NOTE, f"fork tutorial: {result.seconds:.0f} s")
    expect_ok(result)
    answers = (tmp_path / "house-service" / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "project_name: House Service" in answers


@pytest.mark.generated
@pytest.mark.parametrize("preset", ["full"], indirect=True)
def test_deploy_several_instances_and_workers_on_shared_servers(
    generated: GeneratedProject, request: pytest.FixtureRequest, record_property: Any
) -> None:
    page = DOCS / "tutorials" / "deploy.md"
    expect_ok(generated.sync())
    redis = _redis_url(request.getfixturevalue("redis"))
    with _postgres_database(request, "tut_deploy") as database:
        servers = {
            "DATABASE_URL": database,
            "RATELIMIT_STORAGE_URL": redis,
            "CELERY_BROKER_URL": redis,
            "CELERY_RESULT_BACKEND": redis,
        }
        env = generated.env({**servers, "PORTS": f"{free_port()} {free_port()}"})
        result = run_page(page, generated.path, env, provided=servers, timeout=SUITE_TIMEOUT)
    for log in generated.path.glob("*.log"):
        log.unlink()
    record_property(SUMMARY_NOTE, f"deploy tutorial: {result.seconds:.0f} s")
    expect_ok(result)
    assert "(0 error(s))" in result.output, result.output[-3000:]


@pytest.mark.generated
@pytest.mark.parametrize("preset", ["full"], indirect=True)
def test_deploy_with_docker_compose(generated: GeneratedProject) -> None:
    if not docker_available():
        pytest.skip("no Docker daemon answers `docker info` here: the compose path needs one")
    page = DOCS / "tutorials" / "deploy.md"
    result = run_page(
        page, generated.path, generated.env(), kinds=frozenset({"needs docker"}), timeout=1800
    )
    expect_ok(result)
