"""The kernel's rule "public APIs only", checked on source code (AST), not by review.

A shortcut through a library's internals breaks on its next release, and `copier
update` then ships the break to every service. So no kernel module may:

- import an underscore-prefixed name (or module) of the libraries the kernel builds on;
- read or write an underscore-prefixed attribute of anything but itself (`self._x`,
  `cls._x`); the proxies' `_get_current_object()`, which Flask and werkzeug document,
  and namedtuple's documented `_replace`/`_asdict`/`_fields`/`_make` are the exceptions;
- import another kernel module inside a function (hiding an import cycle);
- override a Flask method other than the documented extension points.

Each finding names the file, the line and the name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The libraries whose private names the kernel must not touch.
LIBRARIES = frozenset(
    {
        "flask",
        "werkzeug",
        "flask_sqlalchemy",
        "flask_smorest",
        "flask_jwt_extended",
        "marshmallow",
        "sqlalchemy",
        "celery",
        "kombu",
    }
)
#: Underscore names that are documented public API.
DOCUMENTED = frozenset({"_get_current_object", "_replace", "_asdict", "_fields", "_make"})
#: Flask methods a subclass may override: its documented extension points.
FLASK_EXTENSION_POINTS = frozenset({"__init__", "dispatch_request", "make_response"})


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    name: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name} ({self.rule})"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _library(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in LIBRARIES


class _Visitor(ast.NodeVisitor):
    def __init__(self, path: str, package: str, flask_methods: frozenset[str]) -> None:
        self.path, self.package, self.flask_methods = path, package, flask_methods
        self.found: list[Violation] = []
        self.depth = 0  # > 0 inside a function

    def _add(self, node: ast.AST, name: str, rule: str) -> None:
        self.found.append(Violation(self.path, getattr(node, "lineno", 0), name, rule))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _library(alias.name) and any(map(_private, alias.name.split("."))):
                self._add(node, alias.name, "private module of a library")
            if self.depth and alias.name.startswith(f"{self.package}.kernel"):
                self._add(node, alias.name, "kernel import inside a function")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if _library(module):
            if any(map(_private, module.split("."))):
                self._add(node, module, "private module of a library")
            for alias in node.names:
                if _private(alias.name):
                    self._add(node, f"{module}.{alias.name}", "private name of a library")
        kernel = node.level > 0 or module.startswith(f"{self.package}.kernel")
        if self.depth and kernel:
            self._add(node, "." * node.level + module, "kernel import inside a function")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        own = isinstance(base, ast.Name) and base.id in ("self", "cls")
        if _private(node.attr) and not own and node.attr not in DOCUMENTED:
            self._add(node, node.attr, "private attribute")
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
        if "Flask" in bases:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    name = item.name
                    if name in self.flask_methods and name not in FLASK_EXTENSION_POINTS:
                        self._add(item, f"{node.name}.{name}", "re-implemented Flask method")
        self.generic_visit(node)


def check_source(
    source: str, path: str, package: str, flask_methods: frozenset[str]
) -> list[Violation]:
    """Every violation in one module's source."""
    visitor = _Visitor(path, package, flask_methods)
    visitor.visit(ast.parse(source, filename=path))
    return sorted(visitor.found)


def check_tree(
    files: Iterable[Path], root: Path, package: str, flask_methods: frozenset[str]
) -> list[Violation]:
    """Every violation in the given files, paths shown relative to `root`."""
    found: list[Violation] = []
    for file in files:
        rel = str(file.relative_to(root))
        found.extend(check_source(file.read_text(encoding="utf-8"), rel, package, flask_methods))
    return found
