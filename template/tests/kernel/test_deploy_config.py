# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The nginx configuration in front of granian (deploy/nginx/, yours to tune) still loads.

`make serve` and the compose file's proxy both read it (docs/deploy.md); `nginx -t` on it,
filled in as `make serve` fills it in, catches a typo before a deploy does. Skipped where
nginx is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"


def test_nginx_accepts_the_configuration_make_serve_writes(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed (make serve needs it: docs/deploy.md)")
    server = (DEPLOY / "keel.conf.template").read_text(encoding="utf-8")
    server = server.replace("${KEEL_LISTEN}", "127.0.0.1:5000")
    server = server.replace("${KEEL_UPSTREAM}", "127.0.0.1:5001")
    (tmp_path / "keel.conf").write_text(server, encoding="utf-8")
    shutil.copy(DEPLOY / "local.conf", tmp_path / "nginx.conf")
    (tmp_path / "tmp").mkdir()
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", f"{tmp_path}/", "-c", "nginx.conf", "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
