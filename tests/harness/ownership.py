"""Who owns each file of a generated project: the template (refreshed by `copier update`)
or the team (theirs to edit; an update merges into it).

Template-owned files start with a one-line header carrying `HEADER_MARK`; user-owned
files never do. Derived files (the committed API snapshots) and Copier's answers file
are neither: they are regenerated, not edited.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import PurePosixPath

#: The words every template-owned file's first line carries.
HEADER_MARK = "Template-owned (Keel):"

#: Template-owned paths, as globs over the project-relative path (`*` spans folders).
TEMPLATE_OWNED = (
    "src/*/kernel/*",
    "src/*/wsgi.py",
    "src/*/worker.py",
    "migrations/env.py",
    "migrations/script.py.mako",
    "migrations/alembic.ini",
    "migrations/kernel/*",
    "tests/kernel/*",
    ".importlinter",
    ".flaskenv",
    "Makefile",
    ".pre-commit-config.yaml",
    "schemathesis.toml",
    ".github/workflows/*",
    "Dockerfile",
    ".dockerignore",
    "docs/auth.md",
    "docs/execution-context.md",
    "docs/middleware.md",
    "docs/openapi.md",
    "docs/tasks.md",
    "docs/updating.md",
    "docs/database.md",
    "docs/deploy.md",
    "docs/responses.md",
)

#: Regenerated from the code, or written by Copier: no header, never hand-edited.
DERIVED = ("openapi.json", "permissions.json", ".copier-answers.yml", ".env")


def owner(path: str) -> str:
    """ "template", "derived" or "user" for a project-relative POSIX path."""
    name = str(PurePosixPath(path))
    if name in DERIVED:
        return "derived"
    if any(fnmatch(name, pattern) for pattern in TEMPLATE_OWNED):
        return "template"
    return "user"
