"""A rendered project and the tool runs the suite makes in it.

One instance per variant per test session: rendering and `uv sync` happen once, and the
checks (ruff, mypy, the generated suite) each become their own test that reuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from harness.commands import Result, project_env, run, uv_executable
from harness.pythons import Interpreter, find_python, pythons_required
from harness.variants import property_examples

#: Seconds allowed per step. `uv sync` may download every wheel on a cold cache.
SYNC_TIMEOUT = 900.0
TOOL_TIMEOUT = 600.0
SUITE_TIMEOUT = 1200.0

#: Added to a failed `uv sync --locked`: the rendered lock is one of locks/.
STALE_LOCK = (
    "\nThe template's stored lock for these answers (locks/) does not fit the rendered "
    "pyproject.toml: run `make locks` in the template repository (tests/test_locks.py)."
)

#: `record_property` name a test uses to leave a line in the closing "Keel variants"
#: summary (conftest.py prints them).
SUMMARY_NOTE = "keel_note"


@dataclass
class GeneratedProject:
    """A project rendered from one variant's answers."""

    #: The variant's name (a preset name, or a test-made label).
    variant: str
    path: Path
    answers: dict[str, Any]
    _sync: Result | None = field(default=None, repr=False)

    @property
    def python(self) -> Interpreter:
        """The interpreter of the answers' python_version (harness/pythons.py)."""
        return find_python(str(self.answers["python_version"]))

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The tools' environment: uv is pointed at the answer's interpreter, and the
        property tests make the variant's number of examples (harness/variants.py)."""
        interpreter = self.require_python()
        examples = property_examples(self.variant)
        strength = {} if examples is None else {"API_PROPERTY_EXAMPLES": str(examples)}
        return project_env({"UV_PYTHON": interpreter, **strength, **(extra or {})})

    def require_python(self) -> str:
        """The interpreter's path; a skip naming what was looked for when there is none
        (a failure when KEEL_REQUIRE_PYTHONS is set: CI must run every version)."""
        interpreter = self.python
        if interpreter.path is None:
            if pythons_required():
                pytest.fail(f"{self.variant}: {interpreter.skip_message}", pytrace=False)
            pytest.skip(f"{self.variant}: {interpreter.skip_message}")
        return interpreter.path

    def sync(self) -> Result:
        """`uv sync --locked` with the answer's interpreter, once; later calls return the first
        result. `--locked`: the rendered uv.lock is installed as is (the versions a new
        project gets), and a lock that no longer fits pyproject.toml fails (`make locks`)."""
        if self._sync is None:
            result = run(
                [uv_executable(), "sync", "--locked"],
                self.path,
                timeout=SYNC_TIMEOUT,
                env=self.env(),
            )
            if not result.ok and "--locked" in result.output:
                # uv's hint (`uv lock`) fixes this copy only; the template's locks need:
                result = replace(result, output=result.output + STALE_LOCK)
            self._sync = result
        return self._sync

    def uv_run(
        self, *argv: str, timeout: float = TOOL_TIMEOUT, env: dict[str, str] | None = None
    ) -> Result:
        """`uv run --no-sync <argv>` after a successful sync.

        A failed sync fails the calling test too (it is not a skip: something is broken),
        pointing at the sync test that holds the full output.
        """
        if not self.sync().ok:
            pytest.fail(
                f"uv sync failed for {self.variant}; see test_uv_sync[{self.variant}]",
                pytrace=False,
            )
        return run(
            [uv_executable(), "run", "--no-sync", *argv],
            self.path,
            timeout=timeout,
            env=self.env(env),
        )


#: Renders the template snapshot with (variant label, answers): the `render_variant` fixture.
RenderFn = Callable[[str, dict[str, Any]], GeneratedProject]
