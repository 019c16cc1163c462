"""`copier update` from every recorded release on a project a team has worked in: no
conflict left, their edits and their rows intact, lint and suite green.

For each release in releases.toml (the newest with every preset, older ones with the
last preset: `_cases`): render the release, apply the team's scripted edits
(harness/update.py), put rows in the database through the API, commit, update to the
working tree, and check. One preset also changes an answer on
update (`use_celery` off, then on again) with the same checks.
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.services import Availability, scratch_database
from harness.template import (
    REPO_ROOT,
    TEST_VERSION,
    commit_all,
    load_preset,
    preset_names,
    releases,
    render,
)
from harness.update import (
    CELERY_TESTS,
    ROWS,
    Project,
    add_rows,
    apply_team_edits,
    conflicts,
    finish_update,
    heads,
    lint,
    seed_or_read,
    suite,
    team_edits_missing,
    update,
)

#: What a generated project is made of: a release whose copy of these equals the working
#: tree's would update to nothing, so it is not in the matrix (the newest release, right
#: after it is cut).
RENDERED = ("template", "copier.yml", "extensions", "upgrades")


def _changed_since(commit: str) -> bool:
    quiet = subprocess.run(
        ["git", "diff", "--quiet", commit, "--", *RENDERED], cwd=REPO_ROOT, check=False
    )
    return quiet.returncode != 0


def _cases() -> list[Any]:
    """The newest release that differs from the working tree, with every preset (where
    most projects update from); each older one with the last preset, which has the most
    options on and so renders every file the others do. The matrix stays within the CI
    budget as releases accumulate."""
    changed = [release for release in releases() if _changed_since(release.commit)]
    return [
        pytest.param(release.version, preset, id=f"{release.version}-{preset}")
        for release in changed
        for preset in (preset_names() if release == changed[-1] else preset_names()[-1:])
    ]


CASES = _cases()


def _database_env(preset_data: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, str]:
    """The project's databases: its SQLite files, or two scratch PostgreSQL databases.

    One holds the team's rows (DATABASE_URL), the other the project's own suite
    (TEST_DATABASE_URL). Both are the case's alone and dropped after it: update cases
    and preset suites run side by side on one server and would drop each other's tables.
    """
    if preset_data.get("database") != "postgresql":
        return {}
    postgres: Availability = request.getfixturevalue("postgres")
    if postgres.url is None:
        pytest.skip(postgres.skip_message)
    databases = contextlib.ExitStack()
    request.addfinalizer(databases.close)
    return {
        "DATABASE_URL": databases.enter_context(scratch_database(postgres.url, "update_rows")),
        "TEST_DATABASE_URL": databases.enter_context(
            scratch_database(postgres.url, "update_suite")
        ),
    }


def _started(
    version: str, preset: str, template_repo: Path, tmp_path: Path, db_env: dict[str, str]
) -> Project:
    """A project rendered at `version`, worked in by the team, with rows, committed."""
    tags = subprocess.run(
        ["git", "tag", "--list", version], cwd=template_repo, capture_output=True, text=True
    ).stdout.split()
    if version not in tags:
        pytest.fail(
            f"release {version} is not in this clone's history (a shallow clone?): "
            "`git fetch --unshallow`, then `make tags`",
            pytrace=False,
        )
    data = load_preset(preset)
    path = tmp_path / "service"
    render(template_repo, path, data, version=version)
    commit_all(path, f"Start from Keel {version}")
    package = str(data.get("package_name") or f"{preset}_service")
    project = Project(path, package, {})
    project.sync()
    if "DATABASE_URL" in db_env:
        project.env["DATABASE_URL"] = db_env["DATABASE_URL"]
    apply_team_edits(project, version)
    add_rows(project)
    project.commit("Rows")
    return project


def _merged_cleanly(project: Project) -> None:
    """No conflict, the team's edits there, `make update`'s steps done, one migration
    head, the rows read back."""
    left = conflicts(project)
    assert not left, "copier update left conflicts:\n" + "\n".join(left)
    missing = team_edits_missing(project)
    assert not missing, f"the update lost the team's {', '.join(missing)}"
    finish_update(project)
    assert len(heads(project)) == 1, "the project's migration chain has more than one head"
    assert seed_or_read(project, "read") == ROWS


def _check(project: Project, suite_env: dict[str, str], *, also: tuple[str, ...] = ()) -> None:
    _merged_cleanly(project)
    lint(project)
    suite(project, suite_env, also=also)


@pytest.mark.update
@pytest.mark.parametrize(("version", "preset"), CASES)
def test_update_from_a_release_keeps_the_team_work(
    version: str,
    preset: str,
    template_repo: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    db_env = _database_env(load_preset(preset), request)
    suite_env = {k: v for k, v in db_env.items() if k == "TEST_DATABASE_URL"}
    project = _started(version, preset, template_repo, tmp_path, db_env)
    update(project)
    _check(project, suite_env)
    assert f"_commit: {TEST_VERSION}" in (project.path / ".copier-answers.yml").read_text()


@pytest.mark.update
def test_changing_an_answer_on_update_does_not_conflict(
    template_repo: Path, tmp_path: Path
) -> None:
    newest = releases()[-1].version
    project = _started(newest, "standard", template_repo, tmp_path, {})
    # From the newest release: when it equals the working tree, this first update is a
    # no-op and the answer changes are what is tested. When it does not, this very update
    # is test_update_from_a_release_keeps_the_team_work[<newest>-standard]'s, which lints
    # and tests its result: here it is only checked to be clean before the answers change.
    update(project)
    _merged_cleanly(project)
    project.commit("Update to the working tree")
    for use_celery in (False, True):
        update(project, use_celery=use_celery)
        # Turned back on, Celery's packages are locked anew: its tests run too.
        _check(project, {}, also=(CELERY_TESTS,) if use_celery else ())
        tasks = project.path / "src" / project.package / "kernel" / "tasks"
        assert tasks.is_dir() is use_celery
        project.commit(f"use_celery={use_celery}")
