"""Every route of a generated project answers with and without its trailing slash, the
same way, and never with a redirect (template/docs/openapi.md): `POST /api/v1/projects`
is not a 308, and `/docs/` is not a 404.

Asked of the real app in the standard preset's installed project: every rule of its URL
map, each method, both spellings of the path, anonymous (so an API route answers 401).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.commands import expect_ok
from harness.project import GeneratedProject

_PROBE = r"""
import json, re, secrets, sys
from PACKAGE.kernel import create_app
from PACKAGE.settings import Settings

values = {
    "APP_ENV": "test",
    "SECRET_KEY": secrets.token_urlsafe(48),
    "JWT_SECRET_KEY": secrets.token_urlsafe(48),
    "DATABASE_URL": sys.argv[1],
    "LOG_LEVEL": "ERROR",
}
memory = {"CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"}
values.update({k: v for k, v in memory.items() if k in Settings.model_fields})
app = create_app(Settings(_env_file=None, **values))
client = app.test_client()
answers = []
for rule in app.url_map.iter_rules():
    if rule.endpoint == "static":
        continue
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
    if "<" in path:
        continue
    bare = path.rstrip("/") or "/"
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        for spelling in {bare, bare + "/"}:
            response = client.open(spelling, method=method)
            answers.append([method, rule.rule, spelling, response.status_code,
                            response.headers.get("Location")])
print(json.dumps(answers))
"""


@pytest.mark.generated
@pytest.mark.parametrize("preset", ["standard"], indirect=True)
def test_routes_answer_with_and_without_the_trailing_slash(
    generated: GeneratedProject, tmp_path: Path
) -> None:
    package = generated.answers["package_name"]
    script = _PROBE.replace("PACKAGE", package)
    url = f"sqlite:///{tmp_path / 'routes.sqlite3'}"
    result = generated.uv_run("python", "-c", script, url)
    expect_ok(result)
    answers = json.loads(result.output.strip().splitlines()[-1])
    assert any(rule == "/api/v1/projects/" for _, rule, *_ in answers), answers

    redirects = [a for a in answers if 300 <= a[3] < 400]
    assert not redirects, (
        f"routes that redirect (method, rule, path, status, Location): {redirects}"
    )
    by_route: dict[tuple[str, str], set[int]] = {}
    for method, rule, _path, status, _location in answers:
        by_route.setdefault((method, rule), set()).add(status)
    differ = {route: statuses for route, statuses in by_route.items() if len(statuses) > 1}
    assert not differ, f"answers that depend on the trailing slash: {differ}"
    statuses = {(method, path): status for method, _rule, path, status, _ in answers}
    assert statuses[("POST", "/api/v1/projects")] == 401
    assert statuses[("GET", "/docs/")] == 200
