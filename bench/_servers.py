"""Start, wait for, measure and stop the servers under load (always on 127.0.0.1).

Each server runs in a session of its own, so stopping it kills its whole process group
(make, uv, granian's main process and its workers) whatever happens to the bench.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
#: Seconds a server may take to answer /health/live (a cold start imports a lot).
STARTUP_TIMEOUT = 120.0
#: Seconds granian gets to stop on SIGTERM before the group is killed.
STOP_TIMEOUT = 10.0


@dataclass
class Server:
    """A started server: its process group, its port, and where its output goes."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A loopback port nobody listens on now (the plain app's)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


#: A Makefile variable assignment: NAME = value, NAME := value, NAME ?= value.
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?=|:=|::=|=)\s*(.*)$")
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _variables(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = _ASSIGNMENT.match(line)
        if match and not line.startswith("\t"):
            found[match.group(1)] = match.group(2).strip()
    return found


def _expand(text: str, variables: dict[str, str]) -> str:
    """`$(NAME)` replaced by the Makefile's value (repeatedly: values may refer on)."""
    for _ in range(10):
        expanded = _REFERENCE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)
        if expanded == text:
            break
        text = expanded
    return text


def serve_command(makefile: Path) -> list[str]:
    """The granian command line of the project's `make serve`, from its Makefile.

    The plain app is served with the very same options; only the app and port change.
    The recipe may run more than granian (nginx in front, a shell loop): the command is
    the granian word up to the shell's next `&`, `;` or `|`, its `$(VARIABLES)` expanded.
    """
    lines = makefile.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("serve:")), None)
    if start is None:
        raise SystemExit(f"{makefile} has no serve target")
    variables = _variables(lines)
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        command = _expand(line.strip().lstrip("@"), variables)
        if command.startswith("#"):
            continue
        position = re.search(r"(?:^|\s)(\S*granian)\s", command)
        if position is None:
            continue
        words = re.split(r"\s[&;|]", command[position.start(1) :])[0]
        argv = shlex.split(words)
        return ["granian", *argv[1:]]
    raise SystemExit(f"the serve target of {makefile} does not run granian")


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def plain_command(serve: list[str], granian: Path, app: str, port: int) -> list[str]:
    """`serve` with another executable, app target and port; every other option kept."""
    argv = [str(granian), *serve[1:]]
    targets = [i for i, arg in enumerate(argv) if arg.endswith(":app")]
    if not targets or "--port" not in argv:
        raise SystemExit(f"cannot find the app target and --port in {shlex.join(serve)}")
    argv[targets[-1]] = app
    argv[argv.index("--port") + 1] = str(port)
    return argv


def start(
    name: str, argv: list[str], cwd: Path, env: dict[str, str], port: int, log: Path
) -> Server:
    """Start `argv` in a new session (its own process group), output to `log`."""
    if port_in_use(port):
        raise SystemExit(f"port {port} is already in use on {HOST} (a `make demo` running?)")
    log_file = log.open("wb")
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(name, argv, process, port, log, log_file)


def wait_live(server: Server, path: str = "/health/live") -> None:
    """Poll `path` until it answers 200; fail with the server's output if it exits."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}"
            )
        if _answers(server.port, path):
            return
        time.sleep(0.25)
    raise SystemExit(
        f"{server.name} did not answer {path} in {STARTUP_TIMEOUT:.0f} s:\n{server.log_tail()}"
    )


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def stop(server: Server) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left after a grace time."""
    group = server.process.pid  # the session leader: its pid is the group id
    _signal_group(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=STOP_TIMEOUT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(group, signal.SIGKILL)
    server.process.wait(timeout=STOP_TIMEOUT)
    if server._log_file is not None:
        server._log_file.close()


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _children() -> dict[int, list[int]]:
    """ppid -> pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def worker_pids(server: Server) -> list[int]:
    """granian's workers: the leaves of the server's process tree (make > uv > granian)."""
    tree = _children()
    leaves, pending = [], list(tree.get(server.process.pid, []))
    while pending:
        pid = pending.pop()
        kids = tree.get(pid, [])
        pending.extend(kids)
        if not kids and "granian" in _cmdline(pid):
            leaves.append(pid)
    return sorted(leaves)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mib(pid: int) -> float | None:
    """VmRSS of a process in MiB (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def start_and_wait(stack: contextlib.ExitStack, factory: Callable[[], Server]) -> Server:
    """Start a server with `factory`, have `stack` stop it, wait until it is live."""
    server = factory()
    stack.callback(stop, server)
    wait_live(server)
    return server
