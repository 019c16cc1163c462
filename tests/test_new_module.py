"""`flask new-module` in a real generated project, as docs/tutorials/add-module.md tells a
reader to use it: the command, the migration, the snapshots, then `make lint test`.

The page's shell blocks are the test (harness/tutorial.py runs them in order). It runs
in the minimal preset's shared project, which is put back as it was afterwards (`git
checkout` and `git clean`: the module, its revision and test are gone, .venv stays), with
a database of its own so the project's development database is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.commands import expect_ok
from harness.project import SUITE_TIMEOUT, SUMMARY_NOTE, GeneratedProject
from harness.template import REPO_ROOT
from harness.tutorial import run_page, unmarked_blocks

PAGE = REPO_ROOT / "docs" / "tutorials" / "add-module.md"

#: Tests of the generated suite whose subject is kernel code and the kernel's own test
#: support only, which a new module cannot affect: test_generated_suite[minimal] runs
#: them in this very project. The tutorial's `make test` leaves them out; its module's
#: test, the BOLA and hostile-input matrices it extends, the migrations, the snapshots
#: and the rest run. A node id that no longer exists deselects nothing.
KERNEL_ONLY = (
    "tests/kernel/test_json_provider.py",
    "tests/kernel/test_sqlite_concurrency.py",
    "tests/kernel/test_dumping.py::test_other_shapes_dump_like_marshmallow",
    "tests/kernel/test_checks.py::test_a_startup_failure_is_a_report_not_a_traceback",
    "tests/kernel/test_checks.py::test_the_production_server_command_prints_the_ids_and_exits_1",
)


def test_every_block_of_the_page_is_marked() -> None:
    assert not unmarked_blocks(PAGE), f"unmarked shell blocks at lines {unmarked_blocks(PAGE)}"


@pytest.mark.generated
@pytest.mark.parametrize("preset", ["minimal"], indirect=True)
def test_the_add_module_tutorial_leaves_lint_clean_and_the_suite_green(
    restored: GeneratedProject, tmp_path: Path, record_property: Any
) -> None:
    expect_ok(restored.sync())
    deselect = " ".join(f"--deselect={node}" for node in KERNEL_ONLY)
    env = restored.env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "PYTEST_ADDOPTS": deselect}
    )
    result = run_page(PAGE, restored.path, env, timeout=SUITE_TIMEOUT)
    record_property(SUMMARY_NOTE, f"add-module tutorial: {result.closing_line}")
    expect_ok(result)
    package = restored.answers["package_name"]
    module = restored.path / "src" / package / "modules" / "invoices"
    assert (module / "views.py").is_file()
    revisions = list((restored.path / "migrations" / "versions").glob("*_add_invoices.py"))
    assert len(revisions) == 1, revisions
    assert "/api/v1/invoices/" in (restored.path / "openapi.json").read_text(encoding="utf-8")
    assert " passed" in result.output, "the generated suite did not run"
