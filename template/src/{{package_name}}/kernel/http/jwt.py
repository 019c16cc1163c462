# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""flask-jwt-extended, configured to answer like the rest of the service.

It issues the tokens (kernel/auth/backend.py) with the kernel's rules (`jwt_config`).
Its error loaders are replaced (its defaults answer 422 `{"msg": ...}`), so a view that
uses its `@jwt_required()` answers 401 problem+json with a Bearer challenge, and its
revocation check is the kernel's. Set up by `create_app()` before the kernel's error
handlers, so the order of handlers is fixed in one place.
"""

from __future__ import annotations

import warnings
from typing import Any

import jwt
from flask import Flask, Response
from flask_jwt_extended import JWTManager

from ..auth.backend import actor_for_claims
from ..auth.tokens import AuthenticationRequired, AuthState, InvalidToken, jwt_config
from ..core.context import current_context
from ..core.settings import KernelSettings
from .errors import problem


def challenge(detail: str, *, error: str | None = "invalid_token") -> Response:
    """The 401 problem response, for code that answers instead of raising (the loaders)."""
    exc = InvalidToken(detail) if error else AuthenticationRequired(detail)
    return problem(401, detail=detail, title="Unauthorized", headers=exc.problem_headers)


def init_jwt(app: Flask, settings: KernelSettings, state: AuthState) -> JWTManager:
    """Configure flask-jwt-extended on `app` with the kernel's rules and answers."""
    # A key too short for HS256 must stop the service, not print a warning nobody reads.
    warnings.filterwarnings("error", category=jwt.InsecureKeyLengthWarning)
    app.config.update(jwt_config(settings, state))
    manager = JWTManager(app)
    _install_loaders(manager)
    return manager


def _install_loaders(manager: JWTManager) -> None:
    """Answer every flask-jwt-extended failure like ours: 401, problem+json, challenge."""

    def invalid(reason: str) -> Response:
        return challenge("The token is invalid.")

    def missing(reason: str) -> Response:
        return challenge("This resource needs a bearer access token.", error=None)

    def expired(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return challenge("The token has expired.")

    def revoked(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return challenge("The token has been revoked.")

    def in_blocklist(header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # `@jwt_required()` checks revocation with the same function as the middleware.
        return actor_for_claims(current_context(), payload) is None

    manager.invalid_token_loader(invalid)
    manager.unauthorized_loader(missing)
    manager.expired_token_loader(expired)
    manager.revoked_token_loader(revoked)
    manager.needs_fresh_token_loader(revoked)
    manager.token_verification_failed_loader(revoked)
    manager.user_lookup_error_loader(revoked)
    manager.token_in_blocklist_loader(in_blocklist)
