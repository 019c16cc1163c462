"""Every python_version choice is installed, linted, type-checked and tested for real.

The presets answer 3.11; each other choice of copier.yml gets a variant of its own
(harness/variants.py), which the preset tests (test_presets.py) install with that
interpreter and check like any preset: `uv sync`, ruff, ruff format, mypy, import-linter
and the generated suite. What is here: every choice has such a variant, its answer
reaches every tool's configuration, and the project really runs on that version.
"""

from __future__ import annotations

import tomllib

import pytest

from harness.commands import expect_ok
from harness.inspect_output import leftover_markers
from harness.project import GeneratedProject, RenderFn
from harness.pythons import python_choices
from harness.template import load_preset
from harness.variants import variants


def test_every_choice_has_a_variant_that_runs() -> None:
    answered = {str(variant.answers()["python_version"]) for variant in variants()}
    missing = sorted(set(python_choices()) - answered)
    assert not missing, f"no variant installs python_version {missing} (harness/variants.py)"


def test_one_project_per_extra_version() -> None:
    """CI time: an extra version costs one project, not one per preset."""
    extra = [variant for variant in variants() if variant.python_version is not None]
    assert len(extra) == len({variant.python_version for variant in extra})


@pytest.mark.parametrize("version", python_choices())
def test_python_version_reaches_the_tools(render_variant: RenderFn, version: str) -> None:
    project = render_variant(
        f"python-{version}", {**load_preset("minimal"), "python_version": version}
    )
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{version.replace('.', '')}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert not leftover_markers(project.path)


@pytest.mark.generated
def test_installed_with_the_answers_python(generated: GeneratedProject) -> None:
    """uv used the interpreter of the answer (never one it downloaded, never python3)."""
    result = generated.uv_run("python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    expect_ok(result)
    assert result.output.split()[-1] == generated.answers["python_version"], result.describe()
