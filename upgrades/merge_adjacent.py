"""After `copier update`: merge the conflicts that are only neighbouring edits.

Copier merges the template's changes into a project three ways with `git merge-file`,
which reports a conflict whenever the template's change and the team's edit touch
neighbouring lines, even when they do not overlap: the template renames the base class
on the line above `API_TITLE`, the team changed `API_TITLE`, and the file gets conflict
markers. A person resolves those by taking both sides. This step does the same, and
nothing more: for each file Copier left unmerged it redoes the three-way merge from the
index's stages (1: the old template's render, 2: the project, 3: the new render),
line by line, and writes the result only when no line was changed by both sides
differently. Real conflicts stay exactly as Copier left them, for `make update` to
report.

Run by copier.yml's `_migrations` after every update, in the project.
"""

from __future__ import annotations

import subprocess
import sys
from difflib import SequenceMatcher

Edit = tuple[int, int, tuple[str, ...]]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def unmerged() -> list[str]:
    """The paths with conflict stages in the index."""
    lines = git("ls-files", "--unmerged", "-z").split("\0")
    return sorted({line.split("\t", 1)[1] for line in lines if "\t" in line})


def stage(number: int, path: str) -> list[str] | None:
    result = subprocess.run(
        ["git", "show", f":{number}:{path}"], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines(keepends=True) if result.returncode == 0 else None


def edits(base: list[str], side: list[str]) -> list[Edit]:
    """What `side` changed in `base`: (start, end, new lines), in order."""
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    return [
        (i1, i2, tuple(side[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def clash(first: Edit, second: Edit) -> bool:
    """Whether two edits of the same base overlap (touching is not overlapping)."""
    if first == second:
        return False
    (a1, a2, _), (b1, b2, _) = first, second
    if a1 == a2 and b1 == b2:  # two insertions at one place: their order is unknown
        return a1 == b1
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return max(a1, b1) < min(a2, b2)


def merge(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """The three-way merge, or None when some line was changed by both sides differently."""
    mine, template = edits(base, ours), edits(base, theirs)
    if any(clash(a, b) for a in mine for b in template):
        return None
    merged: list[str] = []
    position = 0
    for start, end, lines in sorted(set(mine) | set(template), key=lambda e: (e[0], e[1])):
        merged.extend(base[position:start])
        merged.extend(lines)
        position = end
    merged.extend(base[position:])
    return merged


def main() -> int:
    for path in unmerged():
        base, ours, theirs = stage(1, path), stage(2, path), stage(3, path)
        if base is None or ours is None or theirs is None:
            continue  # added or deleted on one side: a real decision, left to the team
        merged = merge(base, ours, theirs)
        if merged is None:
            continue
        with open(path, "w", encoding="utf-8") as file:
            file.writelines(merged)
        git("add", "--", path)
        print(f"merged neighbouring edits in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
