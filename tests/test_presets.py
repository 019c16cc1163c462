"""Each preset renders cleanly, and the project it gives passes its own checks.

What a developer does after `copier copy` is what runs here: `uv sync`, ruff, ruff
format, mypy, and the generated test suite (against PostgreSQL when the preset uses it).
"""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from harness.commands import expect_ok
from harness.inspect_output import leftover_markers, read_dotenv, rendered_files, secrets_in
from harness.ownership import HEADER_MARK, owner
from harness.project import SUITE_TIMEOUT, SUMMARY_NOTE, GeneratedProject, RenderFn
from harness.public_api import check_tree
from harness.services import Availability, scratch_database
from harness.template import TEST_VERSION

# ---------------------------------------------------------------------------- rendering


def test_answers_record_the_tagged_version(
    generated: GeneratedProject, template_repo: Path
) -> None:
    """`_commit` must be a real tag, or `copier update` cannot find the base to diff from."""
    assert generated.answers["_commit"] == TEST_VERSION
    assert generated.answers["_src_path"] == str(template_repo)


def test_answers_match_the_preset(generated: GeneratedProject, preset_data: dict[str, Any]) -> None:
    recorded = {key: generated.answers.get(key) for key in preset_data}
    assert recorded == preset_data


def test_no_leftover_template_markers(generated: GeneratedProject) -> None:
    leftovers = leftover_markers(generated.path)
    assert not leftovers, "unrendered Jinja in the generated project:\n" + "\n".join(leftovers)


def test_env_holds_secrets_and_is_git_ignored(generated: GeneratedProject) -> None:
    """Secrets are generated into .env, which `git add -A` must never pick up."""
    dotenv = generated.path / ".env"
    assert dotenv.is_file(), "the generated project has no .env"
    assert "SECRET_KEY" in secrets_in(read_dotenv(dotenv)), ".env has no SECRET_KEY value"
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", ".env"], cwd=generated.path, check=False
    )
    assert ignored.returncode == 0, ".env is not ignored by the generated .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", ".env"], cwd=generated.path, capture_output=True, text=True, check=False
    )
    assert not tracked.stdout.strip(), ".env was committed by `git add -A`"


def test_answers_file_holds_no_secret(generated: GeneratedProject) -> None:
    """The answers file is committed; a secret in it would be published."""
    answers_text = (generated.path / ".copier-answers.yml").read_text(encoding="utf-8")
    secrets = secrets_in(read_dotenv(generated.path / ".env"))
    leaked = [name for name, value in secrets.items() if value in answers_text]
    assert not leaked, f".copier-answers.yml contains the value of {leaked}"
    secret_keys = [key for key in generated.answers if "secret" in key.lower()]
    assert not secret_keys, f".copier-answers.yml records {secret_keys}"


def test_each_render_gets_fresh_secrets(
    generated: GeneratedProject, preset: str, preset_data: dict[str, Any], render_variant: RenderFn
) -> None:
    again = render_variant(f"{preset}-again", preset_data)
    first = secrets_in(read_dotenv(generated.path / ".env"))
    second = secrets_in(read_dotenv(again.path / ".env"))
    assert first.keys() == second.keys()
    repeated = [name for name in first if first[name] == second[name]]
    assert not repeated, f"two renders produced the same {repeated}"


# ------------------------------------------------------------- the generated project's tools


def test_template_owned_files_say_so_and_user_files_do_not(generated: GeneratedProject) -> None:
    """The boundary an update relies on: every template-owned file carries the header."""
    wrong = []
    for path in rendered_files(generated.path):
        rel = path.relative_to(generated.path).as_posix()
        first = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
        marked = HEADER_MARK in first
        if (owner(rel) == "template") != marked:
            wrong.append(f"{rel}: {'has' if marked else 'lacks'} the template-owned header")
    assert not wrong, "\n".join(wrong)


@pytest.mark.generated
def test_uv_sync(generated: GeneratedProject) -> None:
    result = generated.sync()
    expect_ok(result)


@pytest.mark.generated
def test_ruff_check(generated: GeneratedProject) -> None:
    result = generated.uv_run("ruff", "check", ".")
    expect_ok(result)


@pytest.mark.generated
def test_ruff_format_leaves_no_diff(generated: GeneratedProject) -> None:
    result = generated.uv_run("ruff", "format", "--check", "--diff", ".")
    expect_ok(result)


@pytest.mark.generated
def test_mypy(generated: GeneratedProject) -> None:
    result = generated.uv_run("mypy")
    expect_ok(result)


@pytest.mark.generated
def test_import_linter_keeps_the_kernel_layers(generated: GeneratedProject) -> None:
    """`make lint` runs lint-imports; its contracts are the kernel's layering."""
    result = generated.uv_run("lint-imports")
    expect_ok(result)
    assert "0 broken" in result.output, result.describe()


@pytest.mark.generated
def test_kernel_uses_public_apis_only(generated: GeneratedProject) -> None:
    """No private name of Flask & co, no import hidden in a function, no Flask re-implemented."""
    listing = generated.uv_run(
        "python", "-c", "import flask; print(' '.join(n for n in dir(flask.Flask)))"
    )
    expect_ok(listing)
    flask_methods = frozenset(listing.output.split())
    package = generated.answers["package_name"]
    kernel = generated.path / "src" / package / "kernel"
    found = check_tree(sorted(kernel.rglob("*.py")), generated.path, package, flask_methods)
    assert not found, "the kernel reaches past public APIs:\n" + "\n".join(map(str, found))


@pytest.mark.generated
def test_generated_suite(
    generated: GeneratedProject, request: pytest.FixtureRequest, record_property: Any
) -> None:
    """The project's own tests, against the servers its answers call for.

    Servers are looked up only when the answers need them, so a variant that needs none
    never depends on them.
    """
    env: dict[str, str] = {}
    with ExitStack() as stack:
        if generated.answers["database"] == "postgresql":
            postgres: Availability = request.getfixturevalue("postgres")
            if postgres.url is None:
                pytest.skip(postgres.skip_message)
            # A database of its own: another PostgreSQL variant's suite may run meanwhile.
            own = stack.enter_context(scratch_database(postgres.url, generated.variant))
            env[postgres.service.suite_var] = own
        if generated.answers["use_celery"]:
            redis: Availability = request.getfixturevalue("redis")
            if redis.url is not None:
                env[redis.service.suite_var] = redis.url
            else:
                record_property(
                    SUMMARY_NOTE, f"ran without {redis.service.suite_var}: {redis.skip_message}"
                )
        result = generated.uv_run("pytest", "-q", timeout=SUITE_TIMEOUT, env=env)
    record_property(SUMMARY_NOTE, f"generated suite: {result.closing_line}")
    expect_ok(result)
