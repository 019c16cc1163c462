"""Copier migration to Keel 0.2.0, run in the project before the update merges.

Keel 0.2.0 changes lines of the project's own `settings.py` that sit right next to
lines teams edit (the base class is the line above `API_TITLE`). Copier merges the
template's change and the team's edits three ways; changes on neighbouring lines
conflict even when they do not overlap. So this step makes the template's own changes
in the project first, wherever the project still has the 0.1.0 text exactly, and
stages them: the merge then finds the same change on both sides and nothing to
conflict. Lines a team changed are left as they are (the merge shows them).

Usage (copier.yml `_migrations`): `python upgrades/0.2.0.py <package_name>`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OLD_DOC = """documented in `.env.example`. The two lists below decide what loads and in which order:
nothing else does.
\"\"\""""
NEW_DOC = """documented in `.env.example`. The lists below decide what loads and in which order:
nothing else does. The kernel's own middleware layers are always installed, in a fixed
order (`flask middleware` prints the whole chain); MIDDLEWARE holds only yours.
\"\"\""""

BASES = (
    "from .kernel.tasks import CelerySettings\n\n\nclass Settings(CelerySettings):",
    "from .kernel.settings import KernelSettings\n\n\nclass Settings(KernelSettings):",
)
NEW_BASE = "from .kernel import ServiceSettings\n\n\nclass Settings(ServiceSettings):"

TOKEN_LOADER = (
    "    #: Checks revocation and loads the actor of every bearer token (see docs/auth.md).\n"
    '    TOKEN_ACTOR_LOADER: str = "{package}.modules.accounts.tokens:actor_for_claims"'
    "  # noqa: S105 - a path\n"
)

OLD_MIDDLEWARE = (
    ("    #: The request pipeline, outermost first. Each entry wraps everything below it.\n")
    + """    MIDDLEWARE: tuple[str, ...] = (
        "{package}.kernel.middleware.request_id.request_id",
        "{package}.kernel.middleware.access_log.access_log",
        "{package}.kernel.middleware.security_headers.security_headers",
        "{package}.kernel.middleware.transaction.execution_context",
        "{package}.kernel.middleware.authentication.authentication",
        "{package}.kernel.middleware.authorization.authorization",
    )
"""
)
NEW_MIDDLEWARE = """    #: Your own middleware layers, by dotted path; each goes where its factory's
    #: `@place(...)` says among the kernel's layers (default: right around the view).
    MIDDLEWARE: tuple[str, ...] = ()
"""


def upgrade_settings(text: str, package: str) -> str:
    """The 0.2.0 form of every 0.1.0 passage `text` still has unchanged."""
    replacements = [
        (OLD_DOC, NEW_DOC),
        *((base, NEW_BASE) for base in BASES),
        (TOKEN_LOADER.format(package=package), ""),
        (OLD_MIDDLEWARE.format(package=package), NEW_MIDDLEWARE),
    ]
    for old, new in replacements:
        if text.count(old) == 1:
            text = text.replace(old, new)
    return text


def main(package: str) -> int:
    settings = Path("src") / package / "settings.py"
    if not settings.is_file():
        print(f"upgrade to 0.2.0: {settings} not found; nothing to prepare")
        return 0
    before = settings.read_text(encoding="utf-8")
    after = upgrade_settings(before, package)
    if after != before:
        settings.write_text(after, encoding="utf-8")
        # Copier diffs the index (`git write-tree`): stage what this step changed.
        subprocess.run(["git", "add", "--", str(settings)], check=True)
        print(f"upgrade to 0.2.0: prepared {settings} for the merge")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python upgrades/0.2.0.py <package_name>")
    sys.exit(main(sys.argv[1]))
