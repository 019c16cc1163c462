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
    """`make demo` and the docs promise that `standard` is `copier copy --defaults`.

    A fork that edits presets/standard.yml changes its house defaults: the failure says
    which `default:` to write in copier.yml (docs/forking.md, "Presets").
    """
    questions = _questions()
    differs = {
        key: (value, questions[key].get("default"))
        for key, value in load_preset("standard").items()
        if key in questions and key not in {"project_name"}
        and value != questions[key].get("default")
    }  # fmt: skip
    assert not differs, "\n".join(
        [
            "presets/standard.yml must be what `copier copy --defaults` gives (make demo "
            "renders it; the README promises it), and it differs from copier.yml's defaults:",
            *(
                f"  {key}: the preset answers {preset!r}, copier.yml's default is {default!r}"
                for key, (preset, default) in differs.items()
            ),
            "To make the preset's answers the defaults, set in copier.yml:",
            *(
                f"  {key}:\n    default: {_yaml_scalar(preset)}"
                for key, (preset, _default) in differs.items()
            ),
            "or put presets/standard.yml back to the defaults; a different combination "
            "belongs in a preset of its own (presets/<name>.yml). See docs/forking.md.",
        ]
    )


def _yaml_scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
