"""Serve a generated project on a free port and look at a page in headless Chromium.

Debian's `chromium` package, driven from its command line (`--dump-dom`,
`--screenshot`): no browser driver, no download at test time. When Chromium is absent
the browser test is skipped, unless `KEEL_REQUIRE_BROWSER=1` (which .ci/run sets, after
installing it) turns that into a failure: CI must never pass without looking.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Set to 1 to fail, not skip, when no Chromium is found (.ci/run sets it).
REQUIRE_VAR = "KEEL_REQUIRE_BROWSER"
#: Optional path of the browser to use instead of `chromium` on PATH.
BROWSER_VAR = "KEEL_CHROMIUM"

#: Milliseconds of page time Chromium lets scripts run before it dumps the page.
_VIRTUAL_TIME_MS = 15_000
_BROWSER_TIMEOUT = 180.0
_SERVER_START_TIMEOUT = 60.0


def browser_required() -> bool:
    return os.environ.get(REQUIRE_VAR, "") not in ("", "0")


def find_chromium() -> str | None:
    """The Chromium executable: $KEEL_CHROMIUM, else `chromium` (or a known alias) on PATH."""
    configured = os.environ.get(BROWSER_VAR, "").strip()
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(
    argv: list[str], cwd: Path, env: Mapping[str, str], url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server until the block ends; wait until `url` answers 200 before yielding."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        try:
            _wait_until_up(server, url, log)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + _SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.returncode} before answering {url}:\n"
                + log.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered {url} within {_SERVER_START_TIMEOUT:.0f} s")


@dataclass(frozen=True)
class PageView:
    """What Chromium saw: the DOM after scripts ran, and its console (stderr) output."""

    dom: str
    console: str


def view_page(chromium: str, url: str, screenshot: Path) -> PageView:
    """Load `url` headless, let its scripts run, save a screenshot, return the DOM."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="keel-chromium-") as profile:
        common = [
            chromium,
            "--headless",
            "--no-sandbox",  # root in CI containers; the page is our own
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={_VIRTUAL_TIME_MS}",
            "--window-size=1280,1400",
        ]
        dom = subprocess.run(
            [*common, "--dump-dom", url],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_BROWSER_TIMEOUT,
            check=False,
        )
        shot = subprocess.run(
            [*common, f"--screenshot={screenshot}", url],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_BROWSER_TIMEOUT,
            check=False,
        )
    if dom.returncode != 0 or shot.returncode != 0:
        raise RuntimeError(
            f"chromium exited {dom.returncode} (dump-dom) / {shot.returncode} (screenshot):\n"
            + (dom.stderr + shot.stderr)[-3000:]
        )
    return PageView(dom=dom.stdout, console=dom.stderr + shot.stderr)
