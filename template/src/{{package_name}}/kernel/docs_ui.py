"""The API's description: `GET /openapi.json` and Swagger UI at `GET /docs`.

Template-owned (refreshed by `copier update`).

Swagger UI's files come from the `flask-swagger-ui` package (only its static files:
its blueprint renders an inline script), served by this blueprint, so the page works
offline and loads nothing from a CDN. The page sets its own Content-Security-Policy,
which the security-headers middleware keeps: scripts, styles and requests from this
origin only, nothing inline.

- At startup `create_app()` registers `blueprint` when `settings.API_DOCS` is true
  (the default); every route here is `@public`, on purpose, and listed by
  `flask permissions`.
- Per request: the document is built once per app (on the first request) and then
  served from memory.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory, url_for
from markupsafe import escape
from werkzeug.exceptions import NotFound

from .openapi import spec_text
from .permissions import public

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

_EXTENSION_KEY = "keel.openapi_text"

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


@cache
def assets_folder() -> Path:
    """Where the installed `flask-swagger-ui` keeps Swagger UI (found, not imported)."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The API docs need the `flask-swagger-ui` package (Swagger UI's files): add it "
            "to the project's dependencies, or set API_DOCS=false."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


@blueprint.get("/openapi.json")
@public
def openapi_json() -> Response:
    """The OpenAPI document, exactly as `flask openapi` writes it."""
    text = current_app.extensions.get(_EXTENSION_KEY)
    if text is None:
        from .bootstrap import state_of

        text = current_app.extensions[_EXTENSION_KEY] = spec_text(state_of(current_app).api)
    return Response(text, mimetype="application/json")


@blueprint.get("/docs")
@public
def docs() -> Response:
    """Swagger UI over `/openapi.json`."""
    from .bootstrap import settings_of

    page = _PAGE.format(
        title=escape(settings_of(current_app).API_TITLE),
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
    response = send_from_directory(assets_folder(), filename, max_age=86400)
    return _with_policy(response)


def _with_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
