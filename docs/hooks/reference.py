"""mkdocs hook: the pages' excerpts, command outputs and reference tables come from a
real generated project, rendered when the site is built.

At `on_config` the hook renders presets/standard.yml from this repository's working
tree (Copier, `vcs_ref="HEAD"`: uncommitted changes included), installs it with
`uv sync` from the shared cache, and runs docs/hooks/dump_project.py inside it once.
`KEEL_DOCS_PROJECT=/path/to/a/rendered/and/synced/project` skips the render (the
template's tests pass the harness's standard project); `KEEL_DOCS_DUMP=file` keeps the
dump the pages were built from.

Pages then use directives, each alone on a line, replaced before Markdown runs:

- `<!-- keel:excerpt PATH from="TEXT" to="TEXT" -->`: the lines of the rendered file
  PATH (`{package}` is the package name) from the first line containing `from` to the
  next line containing `to` (or, with `end="TEXT"`, the next line that is exactly it),
  as a code block (`lang=` overrides the language the file's suffix gives);
- `<!-- keel:output [VAR=value ...] flask ARGS -->`: what the command printed;
- `<!-- keel:settings -->`, `<!-- keel:checks -->`, `<!-- keel:commands -->`: the
  reference tables; `<!-- keel:project-docs -->`: links to the project's own docs.

Anything that no longer matches the code (an excerpt's text, a directive's name, a
setting or check without a description) fails the build, so `mkdocs build --strict`
(run by tests/test_docs_site.py) catches a page that has gone stale.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

#: The repository root (docs/hooks/reference.py -> ../..).
REPO = Path(__file__).resolve().parents[2]
PRESET = "standard"
PROJECT_VAR = "KEEL_DOCS_PROJECT"
#: Set to a file path: the dump the pages were built from is written there (for tests).
DUMP_VAR = "KEEL_DOCS_DUMP"
DUMPER = Path(__file__).with_name("dump_project.py")
DIRECTIVE = re.compile(r"^<!-- keel:([a-z-]+)(.*?)-->[ \t]*$", re.MULTILINE)
_LANGS = {".py": "python", ".toml": "toml", ".yml": "yaml", ".yaml": "yaml", ".ini": "ini"}

_state: dict[str, Any] = {}


def _fail(message: str) -> PluginError:
    return PluginError(f"docs/hooks/reference.py: {message}")


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".venv" / "bin" / "uv")
    if not Path(found).exists():
        raise _fail("uv is not on PATH: run `make install` first")
    return found


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.setdefault("UV_CACHE_DIR", str(REPO / ".cache" / "uv"))
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_PROGRESS"] = "1"
    return env


def render_project(dest: Path) -> Path:
    """Render presets/standard.yml from the working tree into `dest` and install it."""
    import copier

    data = yaml.safe_load((REPO / "presets" / f"{PRESET}.yml").read_text(encoding="utf-8"))
    copier.run_copy(
        str(REPO), str(dest), data=data, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True
    )
    done = subprocess.run(
        [_uv(), "sync", "--quiet"], cwd=dest, env=_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise _fail(f"uv sync failed in {dest}:\n{done.stdout}{done.stderr}")
    return dest


def wanted_outputs(docs_dir: Path) -> list[tuple[str, dict[str, str]]]:
    """Every `keel:output` command the pages ask for, in a stable order."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for page in sorted(docs_dir.rglob("*.md")):
        for name, args in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            if name == "output":
                found[args.strip()] = _split_output(args)
    return list(found.values())


def _split_output(args: str) -> tuple[str, dict[str, str]]:
    words = shlex.split(args)
    env = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    if not words or words[0] != "flask":
        raise _fail(f"keel:output takes a `flask ...` command, got {args.strip()!r}")
    return shlex.join(words[1:]), env


def dump(project: Path, package: str, outputs: list[tuple[str, dict[str, str]]]) -> Any:
    """Run the dumper with the project's interpreter; its JSON."""
    request = json.dumps({"package": package, "commands": outputs})
    python = project / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), str(DUMPER), request],
        cwd=project,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise _fail(f"the dump failed in {project}:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def missing_descriptions(data: Any) -> list[str]:
    """Settings and check ids the reference would list without a description."""
    settings = [f"setting {s['name']}" for s in data["settings"] if not s["description"].strip()]
    checks = [f"check {c['id']}" for c in data["checks"] if not c["description"].strip()]
    return settings + checks


def prepare(docs_dir: Path) -> dict[str, Any]:
    """The rendered project's path, package and dump (once per build)."""
    given = os.environ.get(PROJECT_VAR, "").strip()
    if given:
        project = Path(given)
    else:
        scratch = Path(tempfile.mkdtemp(prefix="keel-docs-"))
        _state["scratch"] = scratch
        project = render_project(scratch / "service")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = str(answers["package_name"])
    data = dump(project, package, wanted_outputs(docs_dir))
    missing = missing_descriptions(data)
    if missing:
        raise _fail(
            "these have no description (a `#:` comment or Field(description=...) on the "
            "setting, a CATALOG text for the check): " + ", ".join(missing)
        )
    return {"project": project, "package": package, "data": data, "answers": answers}


# ------------------------------------------------------------------------ mkdocs events


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _state.update(prepare(Path(config.docs_dir)))
    dump_to = os.environ.get(DUMP_VAR, "").strip()
    if dump_to:
        Path(dump_to).write_text(json.dumps(_state["data"], indent=1), encoding="utf-8")
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """The generated project's README and docs/, as rendered, under project/."""
    project: Path = _state["project"]
    sources = [project / "README.md", *sorted((project / "docs").glob("*.md"))]
    for source in sources:
        rel = source.relative_to(project).as_posix()
        text = source.read_text(encoding="utf-8")
        files.append(File.generated(config, f"project/{rel}", content=text))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    def replace(match: re.Match[str]) -> str:
        name, args = match.group(1), match.group(2)
        handler = _HANDLERS.get(name)
        if handler is None:
            raise _fail(f"{page.file.src_uri}: unknown directive keel:{name}")
        try:
            return handler(args, page)
        except PluginError:
            raise
        except Exception as exc:  # a bad directive names its page
            raise _fail(f"{page.file.src_uri}: keel:{name}{args}: {exc}") from exc

    return DIRECTIVE.sub(replace, markdown)


def on_post_build(config: MkDocsConfig) -> None:
    scratch = _state.pop("scratch", None)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


# -------------------------------------------------------------------------- directives


def _fence(text: str, lang: str = "text", title: str = "") -> str:
    ticks = "````" if "```" in text else "```"
    head = f'{ticks}{lang} title="{title}"' if title else f"{ticks}{lang}"
    return f"{head}\n{text.rstrip()}\n{ticks}"


def excerpt(args: str, page: Page) -> str:
    words = shlex.split(args)
    rel = words[0].replace("{package}", _state["package"])
    options = dict(word.split("=", 1) for word in words[1:])
    path = _state["project"] / rel
    if not path.is_file():
        raise _fail(f"{page.file.src_uri}: excerpt of {rel}, which the project does not have")
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if options["from"] in line), None)
    if start is None:
        raise _fail(f"{page.file.src_uri}: {rel} has no line containing {options['from']!r}")
    end = start
    if "to" in options or "end" in options:
        # `to`: the next line containing the text; `end`: the next line that is exactly it.
        def closes(line: str) -> bool:
            if "end" in options:
                return line.strip() == options["end"]
            return options["to"] in line

        end = next((i for i in range(start + 1, len(lines)) if closes(lines[i])), -1)
        if end < 0:
            raise _fail(
                f"{page.file.src_uri}: {rel} has no line closing the excerpt "
                f"({options.get('to') or options.get('end')!r}) after {options['from']!r}"
            )
    chosen = "\n".join(lines[start : end + 1])
    lang = options.get("lang") or _LANGS.get(path.suffix, "text")
    return _fence(textwrap.dedent(chosen), lang, title=rel)


def output(args: str, page: Page) -> str:
    argv, env = _split_output(args)
    for item in _state["data"]["outputs"]:
        if item["command"] == f"flask {argv}":
            shown = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in env.items()), "flask", argv])
            code = f"  # exit {item['exit_code']}" if item["exit_code"] else ""
            return _fence(f"$ {shown}{code}\n{item['output']}", "console")
    raise _fail(f"{page.file.src_uri}: no output recorded for flask {argv}")


def _cell(text: str) -> str:
    return html.escape(" ".join(str(text).split())).replace("|", "\\|")


def settings_table(args: str, page: Page) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in _state["data"]["settings"]:
        groups.setdefault(item["declared_in"], []).append(item)
    package = _state["package"]
    parts = []
    for declared_in, items in groups.items():
        where = declared_in.replace(f"{package}.", "<package>.")
        parts.append(f"### `{where.rsplit('.', 1)[-1]}`\n\nDeclared in `{where}`.\n")
        parts.append("| setting | type | default | description |\n|---|---|---|---|")
        for item in items:
            default = "**required**" if item["required"] else f"`{_cell(item['default'])}`"
            constraints = f" ({', '.join(item['constraints'])})" if item["constraints"] else ""
            parts.append(
                f"| `{item['name']}` | `{_cell(item['type'])}` | {default} | "
                f"{_cell(item['description'])}{_cell(constraints)} |"
            )
        parts.append("")
    return "\n".join(parts)


def checks_table(args: str, page: Page) -> str:
    rows = ["| id | level | what it is about |", "|---|---|---|"]
    for item in _state["data"]["checks"]:
        level = "error" if item["id"].startswith("keel.E") else "warning"
        rows.append(f"| `{item['id']}` | {level} | {_cell(item['description'])} |")
    return "\n".join(rows)


def commands_table(args: str, page: Page) -> str:
    parts = []
    for item in _state["data"]["commands"]:
        if item["origin"] not in ("kernel", "module"):
            continue
        kind = "group" if item["group"] else "command"
        parts.append(f"### `{item['path']}`\n\n*{item['origin']} {kind}.* {item['help']}\n")
        if item["options"]:
            parts.append("| option | help |\n|---|---|")
            parts.extend(f"| `{_cell(o['opts'])}` | {_cell(o['help'])} |" for o in item["options"])
            parts.append("")
    others = sorted(
        {item["path"].split()[1] for item in _state["data"]["commands"]}
        - {
            item["path"].split()[1]
            for item in _state["data"]["commands"]
            if item["origin"] in ("kernel", "module")
        }
    )
    parts.append(
        "Also registered, by libraries: "
        + ", ".join(f"`flask {name}`" for name in others)
        + " (Flask-Migrate's `db` group runs Alembic), besides Flask's own `run`, "
        "`shell` and `routes`."
    )
    return "\n".join(parts)


def project_docs(args: str, page: Page) -> str:
    project: Path = _state["project"]
    depth = page.file.src_uri.count("/")
    prefix = "../" * depth
    items = [f"- [README.md]({prefix}project/README.md): the project's own front page"]
    for doc in sorted((project / "docs").glob("*.md")):
        title = next(
            (
                line.lstrip("# ").strip()
                for line in doc.read_text(encoding="utf-8").splitlines()
                if line.startswith("# ")
            ),
            doc.stem,
        )
        items.append(f"- [docs/{doc.name}]({prefix}project/docs/{doc.name}): {title}")
    return "\n".join(items)


_HANDLERS = {
    "excerpt": excerpt,
    "output": output,
    "settings": settings_table,
    "checks": checks_table,
    "commands": commands_table,
    "project-docs": project_docs,
}

if __name__ == "__main__":  # `python docs/hooks/reference.py`: the dump, for a look
    print(json.dumps(prepare(REPO / "docs")["data"], indent=1), file=sys.stdout)
