"""Newer python_version answers reach every tool's configuration.

Render-only: this machine has no interpreter but 3.11, so the projects are not installed.
"""

from __future__ import annotations

import tomllib

import pytest

from harness.inspect_output import leftover_markers
from harness.project import RenderFn
from harness.template import load_preset


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_python_version_reaches_the_tools(render_variant: RenderFn, version: str) -> None:
    project = render_variant(
        f"python-{version}", {**load_preset("full"), "python_version": version}
    )
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{version.replace('.', '')}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert not leftover_markers(project.path)
