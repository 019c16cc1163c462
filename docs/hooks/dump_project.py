"""Dump what the docs site's reference lists, from inside a generated project.

Run by docs/hooks/reference.py with the project's own interpreter, in the project's
folder: `.venv/bin/python dump_project.py '<json request>'`. Prints one JSON object:

- `settings`: every field of the project's `settings.Settings` (name, type, default,
  description, the class that declares it);
- `checks`: the check catalog (kernel/core/checks.py's CATALOG);
- `commands`: every `flask` command the app registers, with its origin and options;
- `outputs`: what each requested `flask ...` command printed, and its exit code.

Everything is read from the code, so the site cannot drift from it. A setting's
description is its `Field(description=...)`, else the `#:` comment right above it in
the class that declares it (the kernel's convention), else empty: the hook fails then.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import shlex
import sys
import textwrap
import typing
from pathlib import Path
from typing import Any

from click.testing import CliRunner

UNDEFINED_NAMES = ("PydanticUndefined", "PydanticUndefinedType")


def _comment_docs(cls: type) -> dict[str, str]:
    """`#:` comments right above each annotated attribute of `cls`'s own body."""
    try:
        lines, _ = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return {}
    source = textwrap.dedent("".join(lines))
    tree = ast.parse(source)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    text = source.splitlines()
    found: dict[str, str] = {}
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        comment: list[str] = []
        index = node.lineno - 2
        while index >= 0 and text[index].strip().startswith("#:"):
            comment.insert(0, text[index].strip().removeprefix("#:").strip())
            index -= 1
        if comment:
            found[node.target.id] = " ".join(comment)
    return found


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    text = str(annotation)
    for prefix in ("typing.", "pydantic.types.", "collections.abc."):
        text = text.replace(prefix, "")
    return text


def settings_fields(package: str) -> list[dict[str, Any]]:
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    docs_by_class = [(cls, _comment_docs(cls)) for cls in settings_cls.__mro__]
    fields = []
    for name, info in settings_cls.model_fields.items():
        declared = [
            cls for cls in settings_cls.__mro__ if name in getattr(cls, "__annotations__", {})
        ]
        description = info.description or next(
            (docs[name] for _, docs in docs_by_class if name in docs), ""
        )
        default = info.default
        required = type(default).__name__ in UNDEFINED_NAMES
        if info.default_factory is not None:
            default, required = info.default_factory(), False  # type: ignore[call-arg]
        origin = declared[-1] if declared else settings_cls
        fields.append(
            {
                "name": name,
                "type": _type_name(info.annotation),
                "default": None if required else repr(default),
                "required": required,
                "description": description,
                "declared_in": f"{origin.__module__}.{origin.__qualname__}",
                "constraints": [str(item) for item in info.metadata],
            }
        )
    return fields


def _commands(group: Any, path: str, package: str) -> list[dict[str, Any]]:
    import click

    found = []
    for name in sorted(group.commands):
        command = group.commands[name]
        full = f"{path} {name}"
        module = getattr(command.callback, "__module__", "") or ""
        if isinstance(command, click.Group):
            module = module or next(
                (getattr(sub.callback, "__module__", "") for sub in command.commands.values()), ""
            )
        origin = (
            "kernel"
            if module.startswith(f"{package}.kernel")
            else "module"
            if module.startswith(f"{package}.modules")
            else module.split(".")[0] or "?"
        )
        options = [
            {
                "opts": ", ".join(param.opts),
                "help": getattr(param, "help", "") or "",
                "kind": "option" if isinstance(param, click.Option) else "argument",
            }
            for param in command.params
            if param.name != "help"
        ]
        found.append(
            {
                "path": full,
                "origin": origin,
                "help": (command.help or command.short_help or "").strip(),
                "group": isinstance(command, click.Group),
                "options": options,
            }
        )
        if isinstance(command, click.Group):
            found.extend(_commands(command, full, package))
    return found


def run_command(argv: str, env: dict[str, str]) -> dict[str, Any]:
    """`flask <argv>` in this process, as the `flask` script would run it."""
    from flask.cli import cli

    result = CliRunner().invoke(cli, shlex.split(argv), env=env, catch_exceptions=True)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += f"\n{type(result.exception).__name__}: {result.exception}"
    return {"command": f"flask {argv}", "exit_code": result.exit_code, "output": output}


def main() -> None:
    request = json.loads(sys.argv[1])
    package: str = request["package"]
    sys.path.insert(0, str(Path.cwd() / "src"))
    from flask.cli import load_dotenv

    load_dotenv()
    checks = importlib.import_module(f"{package}.kernel.core.checks").CATALOG
    create_app = importlib.import_module(f"{package}.kernel").create_app
    app = create_app()
    outputs = [run_command(argv, env) for argv, env in request.get("commands", [])]
    json.dump(
        {
            "package": package,
            "settings": settings_fields(package),
            "checks": [{"id": key, "description": value} for key, value in checks.items()],
            "commands": _commands(app.cli, "flask", package),
            "outputs": outputs,
            "env": {"APP_ENV": os.environ.get("APP_ENV", "")},
        },
        sys.stdout,
        indent=1,
    )


if __name__ == "__main__":
    main()
