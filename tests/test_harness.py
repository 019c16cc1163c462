"""The harness itself: it trusts a server only after logging in, CI fails where a
developer's machine skips, and the closing summary counts skips honestly."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.services import POSTGRES, REDIS, Service, locate, located
from harness.template import REPO_ROOT

pytest_plugins = ["pytester"]


@pytest.fixture
def mute_server() -> Iterator[int]:
    """A port where something accepts connections and hangs up: not the server."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port: int = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _at(service: Service, port: int) -> Service:
    scheme = "postgresql://keel:keel" if service is POSTGRES else "redis://"
    path = "/keel_test" if service is POSTGRES else "/0"
    return dataclasses.replace(service, default_url=f"{scheme}@127.0.0.1:{port}{path}")


@pytest.mark.parametrize("service", [POSTGRES, REDIS], ids=["postgresql", "redis"])
def test_an_open_port_whose_login_fails_is_a_skip_with_the_reason(
    service: Service, mute_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(service.harness_var, raising=False)
    monkeypatch.delenv(service.require_var, raising=False)
    found = located(_at(service, mute_server))
    assert found.url is None
    assert f"127.0.0.1:{mute_server} answers but the login" in found.skip_message
    assert service.harness_var in found.skip_message


def test_wrong_postgresql_credentials_are_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The case of the report: a real server on 5432 with other credentials."""
    monkeypatch.delenv(POSTGRES.harness_var, raising=False)
    wrong = dataclasses.replace(
        POSTGRES, default_url="postgresql://keel:not-the-password@127.0.0.1:5432/keel_test"
    )
    found = locate(wrong)
    assert found.url is None
    assert "not-the-password" not in found.reason, "the reason shows the password"
    if "answers" in found.reason:  # a server listens on 5432 (CI, this image)
        assert "password authentication failed" in found.reason


def test_a_configured_server_that_refuses_is_an_error(
    mute_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(POSTGRES.harness_var, f"postgresql://keel:pw@127.0.0.1:{mute_server}/x")
    with pytest.raises(RuntimeError, match="login"):
        locate(POSTGRES)


def test_a_required_server_that_is_missing_fails(
    mute_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REDIS.harness_var, raising=False)
    monkeypatch.setenv(REDIS.require_var, "1")
    with pytest.raises(pytest.fail.Exception, match=REDIS.require_var):
        located(_at(REDIS, mute_server))


def test_ci_requires_every_server_browser_and_python() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for name in (
        POSTGRES.require_var,
        REDIS.require_var,
        "KEEL_REQUIRE_BROWSER",
        "KEEL_REQUIRE_PYTHONS",
    ):
        assert f"export {name}=1" in script, f".ci/run does not set {name}"


_SAMPLE = """
import pytest

def test_ran():
    pass

def test_skipped():
    pytest.skip("no server here")

@pytest.fixture
def missing():
    pytest.skip("fixture says no")

def test_skipped_in_setup(missing):
    pass
"""


@pytest.mark.parametrize("workers", [None, "2"], ids=["serial", "xdist"])
def test_the_summary_counts_skips(pytester: pytest.Pytester, workers: str | None) -> None:
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_sample=_SAMPLE)
    args = ["-p", "no:cacheprovider", "-p", "no:randomly"]
    if workers:
        args += ["-n", workers]
    result = pytester.runpytest_subprocess(
        *args, "--rootdir", str(pytester.path), "-o", f"pythonpath={Path(__file__).parent}"
    )
    output = result.stdout.str()
    assert "Keel variants" in output, output
    assert "2 template test(s) skipped" in output, output
    assert "no server here" in output, output
    assert "fixture says no" in output, output
    assert "Nothing was skipped" not in output, output
