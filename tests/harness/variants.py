"""The variants the suite renders and runs: every preset, and every other Python version.

Each preset is a variant named after it. A `python_version` choice of copier.yml that no
preset answers gets one variant of its own, so every choice is installed, linted,
type-checked and tested for real, at the cost of one project per extra version: the
newest uncovered version takes the last preset (the one with the most options on), the
others the cheapest presets, first to last (CI time: `make test` stays well under 15
minutes on two cores). Such a variant is named `<preset>-py<version>` ("full-py3.13",
"minimal-py3.12") and answers what its preset answers, with that `python_version`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.pythons import python_choices
from harness.template import load_preset, preset_names

_SEPARATOR = "-py"

#: Examples per operation the generated property tests make in the last preset's own
#: variant (`API_PROPERTY_EXAMPLES`, what the generated CI sets). That preset has the most
#: options on, so its API has every operation the others have; the other variants keep
#: the project's short default, which keeps `make test` within its CI budget.
PROPERTY_EXAMPLES = 100


@dataclass(frozen=True)
class Variant:
    name: str
    preset: str
    #: The python_version this variant answers instead of its preset's, if any.
    python_version: str | None = None

    def answers(self) -> dict[str, Any]:
        data = load_preset(self.preset)
        if self.python_version is not None:
            data["python_version"] = self.python_version
        return data


def variants() -> list[Variant]:
    """Every preset, then one variant per python_version choice that no preset answers."""
    presets = preset_names()
    found = [Variant(name, name) for name in presets]
    answered = {str(load_preset(name).get("python_version", "")) for name in presets}
    uncovered = [version for version in reversed(python_choices()) if version not in answered]
    takers = [presets[-1], *presets[:-1]]
    for index, version in enumerate(uncovered):
        preset = takers[index % len(takers)]
        found.append(Variant(f"{preset}{_SEPARATOR}{version}", preset, version))
    return found


def property_examples(name: str) -> int | None:
    """`PROPERTY_EXAMPLES` for the variant named after the last preset; None (the
    project's own default) for any other variant or test-made project."""
    return PROPERTY_EXAMPLES if name == preset_names()[-1] else None


def variant_names() -> list[str]:
    return [variant.name for variant in variants()]


def variant(name: str) -> Variant:
    """The variant called `name`: a preset, or `<preset>-py<version>`."""
    for candidate in variants():
        if candidate.name == name:
            return candidate
    preset, separator, version = name.rpartition(_SEPARATOR)
    if separator and preset in preset_names():
        return Variant(name, preset, version)
    return Variant(name, name)
