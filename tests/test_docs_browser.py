"""The standard preset's `/docs` page works in a real browser, offline.

The generated project (the one the preset tests already rendered and installed) is
migrated, served by granian as in production, and `/docs` is opened in headless
Chromium: every operation in `/openapi.json` must be rendered by Swagger UI, and the
page's Content-Security-Policy must block nothing it needs. A screenshot is kept in
`artifacts/docs.png` (git-ignored; CI keeps the file with the workspace).
"""

from __future__ import annotations

import html
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from harness.browser import (
    BROWSER_VAR,
    REQUIRE_VAR,
    browser_required,
    find_chromium,
    free_port,
    serving,
    view_page,
)
from harness.commands import expect_ok, project_env, uv_executable
from harness.project import SUMMARY_NOTE, GeneratedProject
from harness.template import REPO_ROOT

SCREENSHOT = REPO_ROOT / "artifacts" / "docs.png"
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        reason = (
            f"no Chromium found (install Debian's `chromium`, or set {BROWSER_VAR}); "
            f".ci/run installs it and sets {REQUIRE_VAR}=1"
        )
        if browser_required():
            pytest.fail(f"{REQUIRE_VAR} is set but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


@pytest.mark.generated
@pytest.mark.parametrize("preset", ["standard"], indirect=True)
def test_docs_page_lists_every_operation(
    generated: GeneratedProject, chromium: str, tmp_path: Path, record_property: Any
) -> None:
    # A database of the test's own: the shared project's directory stays as rendered.
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'docs.sqlite3'}"}
    expect_ok(generated.uv_run("flask", "db", "upgrade", env=database))
    env = project_env(database)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    package = generated.answers["package_name"]
    argv = [uv_executable(), "run", "--no-sync", "granian", "--interface", "wsgi"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", f"{package}.wsgi:app"]
    with serving(argv, generated.path, env, f"{base}/health/live", tmp_path / "server.log"):
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as response:
            spec = json.load(response)
        page = view_page(chromium, f"{base}/docs", SCREENSHOT)

    print(f"screenshot of /docs: {SCREENSHOT}")
    record_property(SUMMARY_NOTE, f"/docs screenshot: {SCREENSHOT.relative_to(REPO_ROOT)}")
    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in _METHODS
    ]
    assert operations, "the document lists no operation"
    missing = [
        f"{method.upper()} {path}"
        for method, path in operations
        if f'data-path="{html.escape(path)}"' not in page.dom or f"opblock-{method}" not in page.dom
    ]
    assert not missing, f"Swagger UI did not render {missing} (DOM: {len(page.dom)} chars)"
    assert page.dom.count('class="opblock opblock-') == len(operations)
    blocked = [line for line in page.console.splitlines() if "Content Security Policy" in line]
    assert not blocked, "the page's CSP blocked something it needs:\n" + "\n".join(blocked)
