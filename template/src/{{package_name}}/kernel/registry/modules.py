# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The module registry: `INSTALLED_MODULES` decides what loads, and in which order.

Each installed module is a package with a `module.py` that declares, by dotted path,
what it contributes::

    # src/<package>/modules/projects/module.py
    module = Module(
        name="projects",
        models=(".models",),
        blueprints=(".views:blp",),
        commands=(".commands:cli",),
    )

Paths starting with "." are relative to the module's package (the syntax of every
dotted path in the settings, kernel/core/dotted.py). Loading is phased, so nothing
depends on import order: every module's declaration, then every module's models, then
tasks, blueprints and commands. Problems (an import that fails, a missing attribute, a
duplicate name or URL prefix) are collected and reported together as keel.E002, each
with the module that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import click
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

from ..core.checks import ConfigurationError
from ..core.dotted import import_module, split


@dataclass(frozen=True, slots=True)
class Module:
    """What one domain module contributes to the service."""

    #: Unique short name, used in error messages and as the default blueprint prefix.
    name: str
    #: Modules that define the module's SQLAlchemy models (imported before anything else).
    models: tuple[str, ...] = ()
    #: `"path:attribute"` of Flask or flask-smorest blueprints.
    blueprints: tuple[str, ...] = ()
    #: `"path:attribute"` of click commands or groups, added to the `flask` CLI.
    commands: tuple[str, ...] = ()
    #: Modules that define Celery tasks (imported by the worker and the web app alike).
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadedModule:
    """A module after loading: its declaration and the objects it resolved to."""

    package: str
    spec: Module
    blueprints: tuple[Blueprint, ...]
    commands: tuple[click.Command, ...]


@dataclass(frozen=True, slots=True)
class InstalledModules:
    """The loaded modules, in settings order (a part of the kernel state)."""

    modules: tuple[LoadedModule, ...]

    def __iter__(self) -> Iterator[LoadedModule]:
        return iter(self.modules)


class ModuleLoadError(ConfigurationError):
    """keel.E002: one or more installed modules could not be loaded."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "keel.E002",
            "Could not load INSTALLED_MODULES:\n" + "\n".join(f"  - {p}" for p in problems),
            hint="Fix each module named above, or remove it from settings.INSTALLED_MODULES.",
            obj="INSTALLED_MODULES",
        )


class _Collector:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def resolve(self, package: str, dotted: str, *, attribute_required: bool) -> Any:
        module_path, attribute = split(dotted)
        if attribute_required and not attribute:
            self.problems.append(f"{package}: {dotted!r} must look like 'path:attribute'")
            return None
        try:
            target = import_module(module_path, package=package, setting="INSTALLED_MODULES")
        except ConfigurationError as exc:
            self.problems.append(f"{package}: importing {module_path!r} failed: {exc.__cause__!r}")
            return None
        if not attribute:
            return target
        try:
            return getattr(target, attribute)
        except AttributeError:
            self.problems.append(f"{package}: {module_path!r} has no attribute {attribute!r}")
            return None


def load_modules(installed: Iterable[str]) -> InstalledModules:
    """Import the installed modules in phases and return them, in settings order."""
    collector = _Collector()
    declared: list[tuple[str, Module]] = []
    seen_names: dict[str, str] = {}
    for package in installed:
        spec = collector.resolve(package, f"{package}.module:module", attribute_required=True)
        if spec is None:
            continue
        if not isinstance(spec, Module):
            collector.problems.append(f"{package}: `module` must be a Module, got {spec!r}")
            continue
        if spec.name in seen_names:
            collector.problems.append(
                f"{package}: module name {spec.name!r} is already used by {seen_names[spec.name]}"
            )
            continue
        seen_names[spec.name] = package
        declared.append((package, spec))

    # Phase 2: every model, before any view, command or task needs one.
    for package, spec in declared:
        for dotted in spec.models:
            collector.resolve(package, dotted, attribute_required=False)
    # Phase 3: tasks, so that a view may enqueue any module's task.
    for package, spec in declared:
        for dotted in spec.tasks:
            collector.resolve(package, dotted, attribute_required=False)

    loaded: list[LoadedModule] = []
    owners: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for package, spec in declared:
        blueprints: list[Blueprint] = []
        for dotted in spec.blueprints:
            blueprint = collector.resolve(package, dotted, attribute_required=True)
            if blueprint is None:
                continue
            if not isinstance(blueprint, Blueprint):
                collector.problems.append(f"{package}: {dotted!r} is not a Flask Blueprint")
                continue
            if blueprint.name in owners:
                collector.problems.append(
                    f"{package}: blueprint name {blueprint.name!r} is already registered by "
                    f"{owners[blueprint.name]}"
                )
                continue
            prefix = (blueprint.url_prefix or "").rstrip("/")
            if prefix and prefix in prefixes:
                collector.problems.append(
                    f"{package}: URL prefix {prefix!r} of blueprint {blueprint.name!r} is "
                    f"already used by {prefixes[prefix]}"
                )
                continue
            owners[blueprint.name] = package
            if prefix:
                prefixes[prefix] = f"{package} (blueprint {blueprint.name!r})"
            blueprints.append(blueprint)
        commands: list[click.Command] = []
        for dotted in spec.commands:
            command = collector.resolve(package, dotted, attribute_required=True)
            if command is None:
                continue
            if not isinstance(command, click.Command):
                collector.problems.append(f"{package}: {dotted!r} is not a click command")
                continue
            commands.append(command)
        loaded.append(LoadedModule(package, spec, tuple(blueprints), tuple(commands)))

    if collector.problems:
        raise ModuleLoadError(collector.problems)
    return InstalledModules(tuple(loaded))


def is_api_blueprint(blueprint: Blueprint) -> bool:
    """flask-smorest blueprints are registered through the Api so they reach OpenAPI."""
    return isinstance(blueprint, ApiBlueprint)
