"""The preset files themselves: they answer real questions, and `standard` is the default."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from harness.template import REPO_ROOT, load_preset, preset_names


def _questions() -> dict[str, Any]:
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {key: value for key, value in config.items() if not key.startswith("_")}


def test_the_three_presets_exist() -> None:
    assert {"minimal", "standard", "full"} <= set(preset_names())


@pytest.mark.parametrize("name", preset_names())
def test_preset_answers_only_known_questions(name: str) -> None:
    """A misspelt key would be silently ignored by Copier and the default used instead."""
    unknown = set(load_preset(name)) - set(_questions())
    assert not unknown, f"presets/{name}.yml answers no such question: {sorted(unknown)}"


def test_standard_is_what_defaults_give() -> None:
    """`make demo` and the docs promise that `standard` is `copier copy --defaults`."""
    questions = _questions()
    differs = {
        key: (value, questions[key].get("default"))
        for key, value in load_preset("standard").items()
        if key not in {"project_name"} and value != questions[key].get("default")
    }
    assert not differs, f"standard preset vs copier.yml defaults (preset, default): {differs}"
