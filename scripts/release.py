"""`make release VERSION=x.y.z` and `make tags`: the release record and its git tags.

A release is recorded in two committed files, because git tags may not travel with the
repository: CHANGELOG.md (what changed, and what a generated project must do) and
releases.toml (the version and the full commit). Tags are derived from the record.

- `release VERSION`: moves CHANGELOG.md's "Unreleased" section under the new version,
  commits that, tags the commit, then records the commit in releases.toml and commits
  the record. The working tree must be clean and the version must be newer than every
  recorded one.
- `tags`: creates every recorded tag that is missing, on its recorded commit.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "releases.toml"
CHANGELOG = ROOT / "CHANGELOG.md"
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
UNRELEASED = "## [Unreleased]"


def releases() -> list[dict[str, str]]:
    """The recorded releases, oldest first."""
    data = tomllib.loads(RECORD.read_text(encoding="utf-8"))
    return list(data.get("release", []))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def git(*args: str, capture: bool = False) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, check=True, text=True, capture_output=capture)
    return result.stdout.strip() if capture else ""


def has_commit(commit: str) -> bool:
    probe = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True
    )
    return probe.returncode == 0


def make_tags() -> int:
    """Create the missing tags of recorded releases."""
    existing = set(git("tag", "--list", capture=True).split())
    problems = 0
    for release in releases():
        version, commit = release["version"], release["commit"]
        if version in existing:
            tagged = git("rev-list", "-n", "1", version, capture=True)
            if tagged != commit:
                print(f"tag {version} points at {tagged}, the record says {commit}")
                problems += 1
            continue
        if not has_commit(commit):
            print(f"release {version}: commit {commit} is not in this clone (a shallow one?)")
            problems += 1
            continue
        git("tag", "--annotate", "--message", f"Keel {version}", version, commit)
        print(f"tagged {version} at {commit}")
    return 1 if problems else 0


def cut_changelog(text: str, version: str, today: str) -> str:
    """The changelog with "Unreleased" moved under `version`, and a fresh empty
    "Unreleased" above it."""
    if UNRELEASED not in text:
        raise SystemExit(f"CHANGELOG.md has no '{UNRELEASED}' section to release")
    head, _, rest = text.partition(UNRELEASED)
    body, sep, tail = rest.partition("\n## [")
    if not body.strip():
        raise SystemExit("CHANGELOG.md's Unreleased section is empty: nothing to release")
    return f"{head}{UNRELEASED}\n\n## [{version}] - {today}{body.rstrip()}\n{sep}{tail}"


def release(version: str) -> int:
    if not SEMVER.fullmatch(version):
        raise SystemExit(f"VERSION={version!r} is not MAJOR.MINOR.PATCH")
    recorded = releases()
    newest = max((r["version"] for r in recorded), key=version_key, default="0.0.0")
    if version_key(version) <= version_key(newest):
        raise SystemExit(f"VERSION={version} is not newer than the last release, {newest}")
    if git("status", "--porcelain", capture=True):
        raise SystemExit("the working tree is not clean: commit or stash first")
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    CHANGELOG.write_text(
        cut_changelog(CHANGELOG.read_text(encoding="utf-8"), version, today), encoding="utf-8"
    )
    git("commit", "--quiet", "-m", f"Release {version}", "--", str(CHANGELOG))
    commit = git("rev-parse", "HEAD", capture=True)
    git("tag", "--annotate", "--message", f"Keel {version}", version, commit)
    with RECORD.open("a", encoding="utf-8") as record:
        record.write(f'\n[[release]]\nversion = "{version}"\ncommit = "{commit}"\n')
    git("commit", "--quiet", "-m", f"Record release {version} ({commit[:7]})", "--", str(RECORD))
    print(f"released {version} at {commit}; push the tag too: git push origin {version}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cut = commands.add_parser("release", help="cut a release")
    cut.add_argument("version")
    commands.add_parser("tags", help="recreate missing tags from releases.toml")
    args = parser.parse_args()
    if args.command == "tags":
        return make_tags()
    return release(args.version)


if __name__ == "__main__":
    sys.exit(main())
