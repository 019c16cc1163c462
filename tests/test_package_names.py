"""package_name refuses every name the generated project would shadow, derived from what
it really installs (extensions/package_names.txt), plus keywords and the layout's names.

Each name of the list is tried against the validator; each installed variant is asked
for its import names and standard library, which must all be in the list (a new
dependency, or a dependency's new dependency, fails here until the list is rewritten);
and a few of them are refused by a real `copier copy` (test_refusals.py).
"""

from __future__ import annotations

import keyword
from typing import Any

import pytest

from harness.commands import expect_ok
from harness.package_names import (
    COLLECT,
    DEPENDENCIES,
    NAMES_FILE,
    STDLIB,
    keel_extension,
    parse_collected,
    read_names,
)
from harness.project import GeneratedProject

REGENERATE = "run `uv run python scripts/package_names.py` and commit extensions/package_names.txt"
KEEL = keel_extension()
LISTED = read_names()


def _refused(name: str) -> str:
    problem: str = KEEL.keel_package_problem(name)
    return problem


def test_the_list_has_both_sections() -> None:
    assert {"flask", "granian", "honcho", "typing_extensions"} <= LISTED[DEPENDENCIES]
    assert {"json", "asyncio", "distutils"} <= LISTED[STDLIB]


@pytest.mark.parametrize("section", [DEPENDENCIES, STDLIB])
def test_every_listed_name_is_refused(section: str) -> None:
    accepted = sorted(name for name in LISTED[section] if not _refused(name))
    assert not accepted, f"package_name accepts these names of [{section}]: {accepted}"


def test_dependency_names_say_so() -> None:
    for name in sorted(LISTED[DEPENDENCIES] - LISTED[STDLIB]):
        assert "dependency" in _refused(name), name


def test_keywords_are_refused() -> None:
    for name in [*keyword.kwlist, *keyword.softkwlist]:
        if name.isidentifier() and name == name.lower():
            assert _refused(name), name


@pytest.mark.parametrize("name", ["order_service", "billing", "my_service", "invoices2"])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert _refused(name) == ""


@pytest.mark.generated
def test_every_installed_name_is_listed(generated: GeneratedProject, record_property: Any) -> None:
    """Whatever this variant installed, on its Python, is refused as a package name."""
    result = generated.uv_run("python", "-c", COLLECT)
    expect_ok(result)
    installed = parse_collected(result.output)
    missing = {
        section: sorted(names - LISTED.get(section, set()))
        for section, names in installed.items()
        if names - LISTED.get(section, set())
    }
    assert not missing, (
        f"{generated.variant} installs names {NAMES_FILE.name} does not list, so package_name "
        f"would accept them: {missing}; {REGENERATE}"
    )
