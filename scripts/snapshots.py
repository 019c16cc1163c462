"""Regenerate the template's committed snapshots: openapi.json and permissions.json.

Every generated project commits both files, and its own tests fail when its code drifts
from them. Their text depends on the answers (the document's title is the project's
name; a preset without Celery may have other routes), so the template holds them as
Jinja: this script renders the standard and minimal presets from the working tree,
asks each project for its snapshots (`flask openapi --stdout`,
`flask permissions --json --stdout`), puts Jinja expressions where the project's name
and package appear, and wraps the lines that differ between the two presets in
`{% if use_celery %}...{% else %}...{% endif %}`. The tags sit inline, never on lines
of their own, so the output is exact whatever the Jinja whitespace settings.

Run it with `make snapshots` after changing routes, permissions or schemas; the
harness's generated suites (every preset) then prove the result exact.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.commands import Result, project_env, run, uv_executable
from harness.template import REPO_ROOT, load_preset, read_answers, render, snapshot

#: (output file under template/, the command that prints it in a generated project)
SNAPSHOTS = (
    ("openapi.json.jinja", ("flask", "openapi", "--stdout")),
    ("permissions.json.jinja", ("flask", "permissions", "--json", "--stdout")),
)
#: The preset rendered for each side of `use_celery`.
WITH_CELERY, WITHOUT_CELERY = "standard", "minimal"

_PROJECT = "@@KEEL_PROJECT_NAME@@"
_PACKAGE = "@@KEEL_PACKAGE_NAME@@"
#: The project's name as it sits inside a JSON string (backslashes and quotes escaped,
#: as `json.dumps(..., ensure_ascii=False)` writes them).
_PROJECT_JINJA = "{{ project_name | replace('\\\\', '\\\\\\\\') | replace('\"', '\\\\\"') }}"
_PACKAGE_JINJA = "{{ package_name }}"
_JINJA_OPENERS = ("{{", "{%", "{#")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="keel-snapshots-") as tmp:
        template = snapshot(Path(tmp) / "template")
        outputs: dict[str, dict[str, str]] = {}
        for preset in (WITH_CELERY, WITHOUT_CELERY):
            outputs[preset] = _snapshots_of(template, preset, Path(tmp) / preset)
    for name, _ in SNAPSHOTS:
        text = merge(outputs[WITH_CELERY][name], outputs[WITHOUT_CELERY][name])
        target = REPO_ROOT / "template" / name
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(REPO_ROOT)}")
    return 0


def _snapshots_of(template: Path, preset: str, dst: Path) -> dict[str, str]:
    """Render `preset`, install it, and return each snapshot with placeholders."""
    render(template, dst, load_preset(preset))
    answers = read_answers(dst)
    _check(run([uv_executable(), "sync", "--quiet"], dst, timeout=900))
    found: dict[str, str] = {}
    for name, command in SNAPSHOTS:
        # stdout only (harness.commands.run merges stderr, where logs go).
        proc = subprocess.run(
            [uv_executable(), "run", "--no-sync", *command],
            cwd=dst,
            env=project_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"snapshots: `{' '.join(command)}` failed in {dst}:\n{proc.stderr}")
        found[name] = placeholders(proc.stdout, answers["project_name"], answers["package_name"])
    return found


def _check(result: Result) -> None:
    if not result.ok:
        raise SystemExit(f"snapshots: a command failed:\n{result.describe()}")


def placeholders(text: str, project_name: str, package_name: str) -> str:
    """`text` with the project's own strings replaced by placeholders.

    Refuses text that holds a Jinja opener: it would be read as a tag when rendered.
    """
    for opener in _JINJA_OPENERS:
        if opener in text:
            raise SystemExit(
                f"snapshots: {opener!r} appears in a snapshot; wrap it in {{% raw %}} by hand "
                "or change the text (it would be rendered as Jinja)."
            )
    escaped_name = json.dumps(project_name, ensure_ascii=False)[1:-1]
    text = text.replace(escaped_name, _PROJECT)
    text = text.replace(package_name.replace("_", "-"), _PACKAGE.replace("NAME", "DASHED"))
    return text.replace(package_name, _PACKAGE)


def merge(with_celery: str, without_celery: str) -> str:
    """One Jinja text that renders to either input, by `use_celery`.

    Each run of differing lines becomes `{% if use_celery %}A{% else %}B{% endif %}`,
    with the tags inline at the start of the first differing line, so no line consists
    of a tag alone.
    """
    a = with_celery.splitlines(keepends=True)
    b = without_celery.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(a[a0:a1])
        else:
            out.append(
                "{% if use_celery %}"
                + "".join(a[a0:a1])
                + "{% else %}"
                + "".join(b[b0:b1])
                + "{% endif %}"
            )
    return _jinja("".join(out))


def _jinja(text: str) -> str:
    return (
        text.replace(_PROJECT, _PROJECT_JINJA)
        .replace(_PACKAGE.replace("NAME", "DASHED"), "{{ package_name | replace('_', '-') }}")
        .replace(_PACKAGE, _PACKAGE_JINJA)
    )


if __name__ == "__main__":
    raise SystemExit(main())
