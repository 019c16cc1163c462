"""Answers that would produce a broken project are refused, with a message that names
the question, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.template import load_preset, render

REFUSED = [
    pytest.param({"package_name": "json"}, "package_name", "standard library", id="stdlib-shadow"),
    pytest.param({"package_name": "flask"}, "package_name", "dependency", id="dependency-shadow"),
    # Installed by the project but not named in its pyproject.toml (a dev tool, a tool's
    # dependency): the list of extensions/package_names.txt comes from real installs.
    pytest.param({"package_name": "granian"}, "package_name", "dependency", id="granian"),
    pytest.param({"package_name": "honcho"}, "package_name", "dependency", id="honcho"),
    pytest.param(
        {"package_name": "typing_extensions"}, "package_name", "dependency", id="typing-ext"
    ),
    pytest.param({"package_name": "Not-Valid"}, "package_name", "identifier", id="not-identifier"),
    pytest.param({"author_email": "nope"}, "author_email", "not an email", id="bad-email"),
    pytest.param(
        {"use_docker": True, "database": "sqlite"},
        "use_docker",
        "database=postgresql",
        id="docker-sqlite",
    ),
    pytest.param({"python_version": "2.7"}, "python_version", "2.7", id="python-2.7"),
    pytest.param(
        {"project_name": "   "}, "project_name", "give the service a name", id="blank-name"
    ),
    pytest.param(
        {"project_name": 'The "Best" Service'}, "project_name", "double quotes", id="quoted-name"
    ),
    pytest.param(
        {"description": "C:\\path"}, "description", "backslashes", id="backslash-description"
    ),
]


@pytest.mark.parametrize(("answers", "question", "explanation"), REFUSED)
def test_bad_answers_are_refused(
    template_repo: Path, tmp_path: Path, answers: dict[str, Any], question: str, explanation: str
) -> None:
    dst = tmp_path / "service"
    with pytest.raises(ValueError, match=f"'{question}'") as refused:
        render(template_repo, dst, {**load_preset("standard"), **answers})
    assert explanation in str(refused.value)
    assert not dst.exists() or not any(dst.iterdir()), (
        f"files were written: {sorted(dst.iterdir())}"
    )
