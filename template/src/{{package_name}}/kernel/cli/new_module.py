# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`flask new-module NAME`: write a domain module in the example module's shape.

Writes `modules/NAME/` (`module.py`, models, schemas, permissions, services, views with
their permissions declared) and `tests/test_NAME.py` from the plain-text skeleton in
`module_skeleton/` beside this file, lists the module in `settings.INSTALLED_MODULES`,
adds its object route to the access-control matrix of `tests/test_bola.py` and its URL
argument to `tests/test_hostile_input.py`, then says what to run next (the migration,
the snapshots). Nothing is written unless every check passes first: the name is a
lowercase identifier, not a keyword, not the name of a standard-library module, of an
installed package or of a part of the kernel, and no module, table, blueprint, URL or
test of that name exists yet.

Edits of your files are small and exact: one line in `INSTALLED_MODULES` (the command
refuses, writing nothing, when it cannot find that tuple), one entry per dict of the two
tests (when a dict is missing the command prints the lines to add instead).
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..core.state import kernel_state
from ..data.database import db

SKELETON = Path(__file__).with_name("module_skeleton")
#: Skeleton file -> where it goes, relative to the new module's folder ("tests/" is the
#: project's tests folder).
FILES = {
    "__init__.py.tmpl": "__init__.py",
    "module.py.tmpl": "module.py",
    "models.py.tmpl": "models.py",
    "permissions.py.tmpl": "permissions.py",
    "schemas.py.tmpl": "schemas.py",
    "services.py.tmpl": "services.py",
    "views.py.tmpl": "views.py",
    "test.py.tmpl": "tests/test_{name}.py",
}
#: Names of the kernel's parts and of the project's own folders: a module must not
#: share them (imports and docs would read ambiguously).
KERNEL_NAMES = frozenset(
    {
        "kernel",
        "core",
        "data",
        "http",
        "auth",
        "cli",
        "registry",
        "tasks",
        "checks",
        "bootstrap",
        "testing",
        "modules",
        "settings",
        "tests",
        "migrations",
        "docs",
        "health",
        "openapi",
        "api",
    }
)
_NAME = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME_LENGTH = 40
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Names:
    """Every spelling of the new module's name the skeleton uses."""

    name: str
    singular: str
    model: str
    package: str

    @property
    def url(self) -> str:
        return f"{API_PREFIX}/{self.name.replace('_', '-')}"

    def placeholders(self) -> dict[str, str]:
        return {
            "name": self.name,
            "singular": self.singular,
            "model": self.model,
            "constant": self.singular.upper(),
            "title": "".join(part.capitalize() for part in self.name.split("_")),
            "url": self.url,
            "package": self.package,
        }


@dataclass
class Plan:
    """What the command will write, computed before anything is."""

    new_files: dict[Path, str] = field(default_factory=dict)
    edits: dict[Path, str] = field(default_factory=dict)
    by_hand: list[str] = field(default_factory=list)


def singular_of(name: str) -> str:
    """`invoices` -> `invoice`, `categories` -> `category`; otherwise the name itself."""
    if name.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 1:
        return name[:-1]
    return name


def reserved_names(package: str) -> frozenset[str]:
    """The stdlib's modules, the installed packages' import names, the kernel's parts."""
    installed = set(importlib.metadata.packages_distributions())
    return frozenset({*sys.stdlib_module_names, *installed, *KERNEL_NAMES, package})


def refusal(app: Flask, names: Names, project: Path, modules_dir: Path) -> str | None:
    """Why NAME cannot be a new module here, or None."""
    name = names.name
    if not _NAME.fullmatch(name) or name.endswith("_") or "__" in name:
        return (
            f"{name!r} is not a module name: use lowercase letters, digits and single "
            "underscores, starting with a letter (e.g. invoices, line_items)."
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"{name!r} is longer than {MAX_NAME_LENGTH} characters: choose a shorter name."
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword: choose another name."
    if name in reserved_names(names.package):
        return (
            f"{name!r} is reserved: it names a standard-library module, an installed package "
            "or a part of the kernel, and a module of that name would read ambiguously. "
            "Choose another name (e.g. its plural, or a domain word)."
        )
    if not names.model.isidentifier() or not names.model[0].isupper():
        return f"--model {names.model!r} is not a class name: use CamelCase (e.g. Invoice)."
    if (modules_dir / name).exists():
        return f"modules/{name}/ already exists: the module is there, or pick another name."
    dotted = f"{names.package}.modules.{name}"
    if dotted in kernel_state(app).settings.INSTALLED_MODULES:
        return f"{dotted} is already in INSTALLED_MODULES."
    if name in db.metadata.tables:
        return f"a table named {name!r} already exists: choose another module name."
    if name in app.blueprints:
        return f"a blueprint named {name!r} already exists: choose another module name."
    argument = f"<int:{names.singular}_id>"
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(f"{names.url}/") or rule.rule == names.url:
            return f"{rule.rule} is already a route: choose another module name."
        if argument in rule.rule:
            return (
                f"the URL argument {names.singular}_id is already used by {rule.rule}: pass "
                "--model with another class name."
            )
    test_file = project / "tests" / f"test_{name}.py"
    if test_file.exists():
        return f"tests/test_{name}.py already exists: move it, or pick another name."
    return None


# ------------------------------------------------------------------------ source edits


def _quoted(text: str) -> str:
    return json.dumps(text)


def _insert_line(lines: list[str], after: int, text: str) -> list[str]:
    return [*lines[: after + 1], text, *lines[after + 1 :]]


def add_tuple_item(source: str, variable: str, item: str) -> str | None:
    """`source` with `item` (a Python literal) added to the tuple or list assigned to
    `variable` in a class or at module level; None when there is no such literal."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        target = _assigned(node, variable)
        if target is None or not isinstance(target, ast.Tuple | ast.List):
            continue
        return _add_element(source, node, target, item, target.elts)
    return None


def add_dict_entry(source: str, variable: str, entry: str) -> str | None:
    """`source` with `entry` ("key: value") added to the module-level dict `variable`."""
    tree = ast.parse(source)
    for node in tree.body:
        target = _assigned(node, variable)
        if target is None or not isinstance(target, ast.Dict):
            continue
        return _add_element(source, node, target, entry, target.values)
    return None


def _assigned(node: ast.AST, variable: str) -> ast.expr | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.value if node.target.id == variable else None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        only = node.targets[0]
        if isinstance(only, ast.Name) and only.id == variable:
            return node.value
    return None


def _end(node: ast.expr) -> tuple[int, int]:
    """Where `node` ends: (line, column), lines counted from 1."""
    return node.end_lineno or node.lineno, node.end_col_offset or node.col_offset


def _add_element(
    source: str, statement: ast.stmt, literal: ast.expr, text: str, elements: list[ast.expr]
) -> str:
    lines = source.splitlines()
    indent = " " * statement.col_offset
    end_line, end_column = _end(literal)
    if literal.lineno != end_line and elements:
        last_line, last_column = _end(elements[-1])
        row = last_line - 1
        rest = lines[row][last_column:]
        if not rest.lstrip().startswith(","):
            lines[row] = lines[row][:last_column] + "," + rest
        item_indent = " " * _first_column(literal, elements)
        lines = _insert_line(lines, row, f"{item_indent}{text},")
    else:
        # One line (or empty): rewrite it exploded, one element per line.
        segments = [_element_source(source, literal, i) for i in range(len(elements))]
        opener, closer = ("{", "}") if isinstance(literal, ast.Dict) else ("[", "]")
        if isinstance(literal, ast.Tuple):
            opener, closer = "(", ")"
        body = [f"{indent}    {segment}," for segment in [*segments, text]]
        first = literal.lineno - 1
        head = lines[first][: literal.col_offset] + opener
        tail = indent + closer + lines[end_line - 1][end_column:]
        lines = [*lines[:first], head, *body, tail, *lines[end_line:]]
    return "\n".join(lines) + "\n"


def _first_column(literal: ast.expr, elements: list[ast.expr]) -> int:
    if isinstance(literal, ast.Dict) and literal.keys and literal.keys[0] is not None:
        return literal.keys[0].col_offset
    return elements[0].col_offset


def _element_source(source: str, literal: ast.expr, index: int) -> str:
    if isinstance(literal, ast.Dict):
        key, value = literal.keys[index], literal.values[index]
        value_text = ast.get_source_segment(source, value) or ""
        if key is None:
            return f"**{value_text}"
        return f"{ast.get_source_segment(source, key)}: {value_text}"
    elements = literal.elts if isinstance(literal, ast.Tuple | ast.List) else []
    return ast.get_source_segment(source, elements[index]) or ""


def add_import(source: str, statement: str) -> str:
    """`source` with the import `statement` after its last top-level relative import
    (or its last import); `ruff check --fix` sorts the block afterwards."""
    tree = ast.parse(source)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    relative = [node for node in imports if isinstance(node, ast.ImportFrom) and node.level]
    anchor = (relative or imports or [None])[-1]
    lines = source.splitlines()
    if anchor is None or anchor.end_lineno is None:
        return statement + "\n" + source
    return "\n".join(_insert_line(lines, anchor.end_lineno - 1, statement)) + "\n"


# ------------------------------------------------------------------------------ the plan


def plan_for(names: Names, project: Path, modules_dir: Path, settings_file: Path) -> Plan:
    """Every file to write and edit; a click error (nothing written) on a missing list."""
    plan = Plan()
    values = names.placeholders()
    for skeleton, target in FILES.items():
        text = (SKELETON / skeleton).read_text(encoding="utf-8").split("\n", 1)[1]
        rendered = Template(text).substitute(values)
        path = (
            project / target.format(name=names.name)
            if target.startswith("tests/")
            else modules_dir / names.name / target
        )
        plan.new_files[path] = rendered

    dotted = f"{names.package}.modules.{names.name}"
    settings_text = settings_file.read_text(encoding="utf-8")
    edited = add_tuple_item(settings_text, "INSTALLED_MODULES", _quoted(dotted))
    if edited is None:
        raise click.ClickException(
            f"{settings_file} has no INSTALLED_MODULES tuple to add {dotted!r} to (a literal "
            '`INSTALLED_MODULES: tuple[str, ...] = ("...", ...)` in Settings). Nothing was '
            "written: put the tuple back, or add the module by hand."
        )
    plan.edits[settings_file] = edited

    argument = f"{names.singular}_id"
    rule = f"{names.url}/<int:{argument}>"
    maker = f"make_{names.singular}"
    test_import = f"from .test_{names.name} import {maker}"
    bola = [
        (
            "OBJECTS",
            f"{_quoted(argument)}: ObjectKind(create={maker}, "
            f"read_url={_quoted(names.url + '/{}')})",
        ),
        ("CASES", f'("GET", {_quoted(rule)}): ' + "{}"),
        ("CASES", f'("DELETE", {_quoted(rule)}): ' + "{}"),
        ("LISTS", f"{_quoted(names.url + '/')}: {_quoted(argument)}"),
    ]
    _plan_test_edits(plan, project / "tests" / "test_bola.py", test_import, bola)
    hostile = [("ARGUMENTS", f"{_quoted(argument)}: {maker}")]
    _plan_test_edits(plan, project / "tests" / "test_hostile_input.py", test_import, hostile)
    return plan


def _plan_test_edits(
    plan: Plan, path: Path, import_line: str, entries: list[tuple[str, str]]
) -> None:
    """Add the new object route to a test's matrix; what cannot be added goes by hand."""
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    added = False
    for variable, entry in entries:
        edited = add_dict_entry(text, variable, entry)
        if edited is None:
            plan.by_hand.append(f"tests/{path.name}: add `{entry},` to {variable}")
            continue
        text, added = edited, True
    if added:
        plan.edits[path] = text if import_line in text else add_import(text, import_line)
    elif entries:
        plan.by_hand.append(f"tests/{path.name}: add `{import_line}`")


def _tidy(project: Path, paths: list[Path]) -> str | None:
    """ruff's safe fixes (import order) and formatter on what was written; None when done,
    else what went wrong (ruff not installed, say)."""
    names = [str(path) for path in paths]
    for argv in (["check", "--fix-only", "--quiet"], ["format", "--quiet"]):
        done = subprocess.run(  # noqa: S603 - this environment's ruff, on the files written
            [sys.executable, "-m", "ruff", *argv, *names],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            return said[-1] if said else f"ruff {argv[0]} exited {done.returncode}"
    return None


@dataclass(frozen=True)
class Layout:
    """Where a project keeps what the command reads and writes."""

    project: Path
    modules_dir: Path
    settings_file: Path

    @classmethod
    def of(cls, package: str) -> Layout:
        """The running project's: `src/<package>/modules/` and `src/<package>/settings.py`."""
        settings_file = Path(str(importlib.import_module(f"{package}.settings").__file__))
        modules = Path(str(importlib.import_module(f"{package}.modules").__file__)).parent
        return cls(project=modules.parents[2], modules_dir=modules, settings_file=settings_file)


def names_for(name: str, model: str | None, package: str) -> Names:
    """NAME's spellings; `model` (a class name) overrides the derived singular."""
    singular = singular_of(name)
    if model:
        singular = re.sub(r"(?<!^)(?=[A-Z])", "_", model).lower()
    camel = "".join(part.capitalize() for part in singular.split("_"))
    return Names(name=name, singular=singular, model=model or camel, package=package)


def create_module(app: Flask, names: Names, layout: Layout) -> Plan:
    """Check, plan, then write; a click error, with nothing written, when refused."""
    why = refusal(app, names, layout.project, layout.modules_dir)
    if why is not None:
        raise click.ClickException(f"{why} Nothing was written.")
    plan = plan_for(names, layout.project, layout.modules_dir, layout.settings_file)
    for path, text in plan.new_files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path, text in plan.edits.items():
        path.write_text(text, encoding="utf-8")
    return plan


@click.command("new-module")
@click.argument("name")
@click.option(
    "--model",
    "model",
    default=None,
    metavar="CLASS",
    help="The model's class name (default: NAME singular, in CamelCase: invoices -> Invoice).",
)
@with_appcontext
def new_module_command(name: str, model: str | None) -> None:
    """Write modules/NAME in the example module's shape, with its test, and list it."""
    app = current_app
    package = app.import_name
    layout = Layout.of(package)
    names = names_for(name, model, package)
    plan = create_module(app, names, layout)
    tests_edited = [path for path in plan.edits if path != layout.settings_file]
    problem = _tidy(layout.project, [*plan.new_files, *tests_edited])

    for path in plan.new_files:
        click.echo(f"Wrote {path.relative_to(layout.project)}")
    click.echo(f"Added {package}.modules.{name} to INSTALLED_MODULES in settings.py.")
    for path in tests_edited:
        click.echo(f"Added {names.singular}_id to tests/{path.name}.")
    for line in plan.by_hand:
        click.echo(f"By hand: {line}")
    if problem:
        click.echo(f"ruff did not tidy the new files ({problem}): run `make format`.")
    click.echo("\nNext:")
    click.echo("  uv run flask db upgrade      # the database at the newest revision first")
    click.echo(f'  uv run flask db revision --autogenerate -m "Add {name}"')
    click.echo("  uv run flask db upgrade")
    click.echo("  make snapshots               # openapi.json and permissions.json")
    click.echo("  make lint test")
