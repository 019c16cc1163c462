"""The docs site (docs/, mkdocs.yml) builds with `mkdocs build --strict`, from the code.

The build renders nothing of its own here: docs/hooks/reference.py is pointed at the
standard preset's project the harness already rendered and installed, and dumps the
settings, check ids, commands and command outputs from inside it. A broken link, an
excerpt whose text left the code, or a setting or check id without a description fails
the build. Headless Chromium then opens the built pages and keeps a screenshot in
artifacts/site.png.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness.browser import (
    BROWSER_VAR,
    REQUIRE_VAR,
    browser_required,
    find_chromium,
    view_page,
)
from harness.commands import Result, expect_ok, project_env, run
from harness.project import SUMMARY_NOTE, GeneratedProject
from harness.template import REPO_ROOT

DOCS = REPO_ROOT / "docs"
SCREENSHOT = REPO_ROOT / "artifacts" / "site.png"
BUILD_TIMEOUT = 600.0

#: The essays' complaints (../shared/seeds), each with a word its Why Keel heading holds.
COMPLAINTS = {
    "the global g / request context": "global `g`",
    "a separate bootstrap for tests, tasks and scripts": "bootstrap",
    "the glue module and its import order": "glue module",
    "no middleware order, nothing before and after": "middleware",
    "a dozen home-made permission schemes": "permission",
    "hard-to-write unit tests": "unit tests",
    "missing batteries (auth, sessions)": "batteries",
    "no automatic API docs": "API documentation",
    "behaviour under load": "under load",
}


def _load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("keel_docs_hook", DOCS / "hooks" / "reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_built: dict[str, Any] = {}


def _build(project: GeneratedProject, out: Path) -> tuple[Result, Path, Path]:
    site, dump = out / "site", out / "dump.json"
    env = project_env({"KEEL_DOCS_PROJECT": str(project.path), "KEEL_DOCS_DUMP": str(dump)}) | {
        "NO_MKDOCS_2_WARNING": "1"
    }
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return run(argv, REPO_ROOT, timeout=BUILD_TIMEOUT, env=env), site, dump


@pytest.fixture
def built(
    generated: GeneratedProject, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    """The site, built once per session from the shared standard project, and its dump."""
    if "site" not in _built:
        expect_ok(generated.sync())
        result, site, dump = _build(generated, tmp_path_factory.mktemp("docs-site"))
        _built.update(result=result, site=site, dump=dump)
    result = _built["result"]
    expect_ok(result)
    return _built["site"], json.loads(_built["dump"].read_text(encoding="utf-8"))


def _text(site: Path, page: str) -> str:
    raw = (site / page / "index.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


pytestmark = pytest.mark.parametrize("preset", ["standard"], indirect=True)


def test_the_site_builds_with_strict(built: tuple[Path, dict[str, Any]]) -> None:
    site, _ = built
    for page in ("why", "design", "reference/settings", "tutorials/start", "forking"):
        assert (site / page / "index.html").is_file(), f"{page} was not built"


def test_every_complaint_of_the_essays_has_a_section(preset: str) -> None:
    source = (DOCS / "why.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", source, flags=re.MULTILINE)[1:]
    for complaint, word in COMPLAINTS.items():
        found = [s for s in sections if word.lower() in s.splitlines()[0].lower()]
        assert found, f"why.md has no section heading about {complaint!r} ({word!r})"
        body = found[0]
        assert "<!-- keel:" in body, f"the section on {complaint!r} shows nothing from a project"
        assert "**Shows it:**" in body, f"the section on {complaint!r} names no command"


def test_the_reference_lists_every_setting_check_and_command(
    built: tuple[Path, dict[str, Any]],
) -> None:
    site, dump = built
    settings, checks = _text(site, "reference/settings"), _text(site, "reference/checks")
    commands = _text(site, "reference/commands")
    assert len(dump["settings"]) > 30, dump["settings"]
    assert len(dump["checks"]) > 10, dump["checks"]
    missing = [s["name"] for s in dump["settings"] if s["name"] not in settings]
    missing += [c["id"] for c in dump["checks"] if c["id"] not in checks]
    missing += [
        c["path"] for c in dump["commands"] if c["origin"] == "kernel" and c["path"] not in commands
    ]
    assert not missing, f"the reference pages leave out {missing}"
    for name in ("flask check", "flask middleware", "flask permissions", "flask new-module"):
        assert name in commands, f"{name} is not in the commands reference"
    middleware = _text(site, "reference/middleware")
    assert re.search(r"request_id.*access_log.*authorization", middleware, re.DOTALL)


def test_no_setting_or_check_id_lacks_a_description(built: tuple[Path, dict[str, Any]]) -> None:
    _, dump = built
    hook = _load_hook()
    assert hook.missing_descriptions(dump) == []
    # The detector itself: a blank description is reported by name.
    blank = {
        "settings": [*dump["settings"], {"name": "UNDESCRIBED", "description": " "}],
        "checks": [*dump["checks"], {"id": "keel.E999", "description": ""}],
    }
    assert hook.missing_descriptions(blank) == ["setting UNDESCRIBED", "check keel.E999"]


def test_an_excerpt_whose_text_left_the_code_fails_the_build(preset: str, tmp_path: Path) -> None:
    hook = _load_hook()
    (tmp_path / "module.py").write_text("def kept() -> None:\n    pass\n", encoding="utf-8")
    hook._state.update(project=tmp_path, package="pkg")

    class _Page:
        class file:  # noqa: N801 - the shape of mkdocs' Page.file
            src_uri = "why.md"

    shown = hook.excerpt('module.py from="def kept" to="pass"', _Page)
    assert "def kept() -> None:" in shown
    assert "pass" in shown
    with pytest.raises(Exception, match="no line containing 'def renamed'"):
        hook.excerpt('module.py from="def renamed"', _Page)


def test_a_chromium_renders_the_built_pages(
    built: tuple[Path, dict[str, Any]], record_property: Any
) -> None:
    chromium = find_chromium()
    if chromium is None:
        reason = f"no Chromium found (install Debian's `chromium`, or set {BROWSER_VAR})"
        if browser_required():
            pytest.fail(f"{REQUIRE_VAR} is set but {reason}", pytrace=False)
        pytest.skip(reason)
    site, _ = built
    why = view_page(chromium, (site / "why" / "index.html").as_uri(), SCREENSHOT)
    record_property(SUMMARY_NOTE, f"docs site screenshot: {SCREENSHOT.relative_to(REPO_ROOT)}")
    assert "Why Keel" in why.dom, why.dom[:2000]
    assert "md-nav" in why.dom, "the page has no navigation"
    assert 'class="highlight' in why.dom, "no code excerpt was rendered"
    design = view_page(
        chromium, (site / "design" / "index.html").as_uri(), SCREENSHOT.with_name("site-design.png")
    )
    # The diagrams reach the page as mermaid source; Material's script loads mermaid.js
    # from a CDN to draw them, so offline (as here) they stay text.
    built_html = (site / "design" / "index.html").read_text(encoding="utf-8")
    assert built_html.count('<pre class="mermaid">') >= 3, "the design page lost its diagrams"
    assert "flowchart TB" in design.dom, "the layers diagram is not on the page"
