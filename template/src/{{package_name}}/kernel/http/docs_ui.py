# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The API's description: `GET /openapi.json` and Swagger UI at `GET /docs`.

Template-owned (refreshed by `copier update`).

Swagger UI's files come from the `flask-swagger-ui` package (only its static files:
its blueprint renders an inline script), served by this blueprint, so the page works
offline and loads nothing from a CDN. The page sets its own Content-Security-Policy,
which the security-headers middleware keeps: scripts, styles and requests from this
origin only, nothing inline.

- At startup `create_app()` finds Swagger UI's files (`DocsAssets.find()`, keel.E030
  when the package is missing) and registers `blueprint` when `settings.API_DOCS` is
  true (the default); every route here is `@public`, on purpose, and listed by
  `flask permissions`.
- Per request: the document is built once per app (on the first request, when every
  blueprint is registered) and then served from memory.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory, url_for
from flask_smorest import Api
from markupsafe import escape
from werkzeug.exceptions import NotFound

from ..core.checks import ConfigurationError
from ..core.state import kernel_state
from .declare import public
from .openapi import spec_text

blueprint = Blueprint("openapi", __name__)

#: The page's policy: scripts, styles and requests from this origin only, nothing
#: inline, never framed. `data:` images are allowed because Swagger UI's stylesheet
#: draws its icons as inline SVG data URLs (an image cannot run script).
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

#: The Swagger UI files the page uses; nothing else in the package is served.
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-16x16.png", "favicon-32x32.png"}
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - API documentation</title>
  <link rel="stylesheet" href="{css}">
  <link rel="icon" type="image/png" href="{icon}">
</head>
<body>
  <div id="swagger-ui" data-spec-url="{spec}"></div>
  <script src="{bundle}"></script>
  <script src="{init}"></script>
</body>
</html>
"""

# An external file, not an inline script, so the CSP needs no 'unsafe-inline'.
# validatorUrl: null keeps Swagger UI from sending the document to an online validator.
_INIT_JS = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""


class DocsAssets:
    """Swagger UI's folder, and the document text once built (a part of the kernel state)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._text: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def find(cls) -> DocsAssets:
        """Where the installed `flask-swagger-ui` keeps Swagger UI (found, not imported)."""
        spec = importlib.util.find_spec("flask_swagger_ui")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigurationError(
                "keel.E030",
                "The API docs are on, but the `flask-swagger-ui` package (Swagger UI's "
                "files) is not installed.",
                hint="Add flask-swagger-ui to the project's dependencies, or set API_DOCS=false.",
                obj="API_DOCS",
            )
        return cls(Path(next(iter(spec.submodule_search_locations))) / "dist")

    def document(self, api: Api) -> str:
        """The OpenAPI text, built on first use (every blueprint is registered by then)."""
        if self._text is None:
            with self._lock:
                if self._text is None:
                    self._text = spec_text(api)
        return self._text


@blueprint.get("/openapi.json")
@public
def openapi_json() -> Response:
    """The OpenAPI document, exactly as `flask openapi` writes it."""
    state = kernel_state(current_app)
    text = state.get(DocsAssets).document(state.get(Api))
    return Response(text, mimetype="application/json")


@blueprint.get("/docs")
@public
def docs() -> Response:
    """Swagger UI over `/openapi.json`."""
    page = _PAGE.format(
        title=escape(kernel_state(current_app).settings.API_TITLE),
        css=url_for("openapi.asset", filename="swagger-ui.css"),
        icon=url_for("openapi.asset", filename="favicon-32x32.png"),
        spec=url_for("openapi.openapi_json"),
        bundle=url_for("openapi.asset", filename="swagger-ui-bundle.js"),
        init=url_for("openapi.init_js"),
    )
    return _with_policy(Response(page, mimetype="text/html"))


@blueprint.get("/docs/init.js")
@public
def init_js() -> Response:
    """Start Swagger UI on the page (kept out of the HTML for the CSP)."""
    return _with_policy(Response(_INIT_JS, mimetype="text/javascript"))


@blueprint.get("/docs/static/<filename>")
@public
def asset(filename: str) -> Response:
    """One of Swagger UI's files, cached for a day."""
    if filename not in ASSETS:
        raise NotFound()
    folder = kernel_state(current_app).get(DocsAssets).folder
    response = send_from_directory(folder, filename, max_age=86400)
    return _with_policy(response)


def _with_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
