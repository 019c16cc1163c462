# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Resolve the actor from the bearer token, once per request, and rebind the context.

Always placed after `execution_context` (kernel/http/middleware/chain.py): the
revocation check runs in the request's unit of work, and the rest of the stack and the
view run in a context whose actor is the token's subject.

- No `Authorization` header: the request goes on as anonymous; routes that need a user
  refuse it (the authorization layer), with 401 and a Bearer challenge.
- A header that is not a valid, unrevoked access token: 401 at once, whatever the route.
- A valid one: `request.claims` holds the verified claims (for permission checks, which
  must not decode again), `request.actor` the actor, `request.context` the rebound
  context.
"""

from __future__ import annotations

from flask import Flask, Response

from ...auth.backend import actor_for_claims
from ...auth.tokens import AuthState, InvalidToken
from ...core.context import rebind
from ...core.state import kernel_state
from ..request import Request
from .stack import Handler


def authentication(handler: Handler, app: Flask) -> Handler:
    verify = kernel_state(app).get(AuthState).verifier.verify
    load_actor = actor_for_claims

    def layer(request: Request) -> Response:
        # The raw environ entry: werkzeug's header lookup costs more and says the same.
        header = request.environ.get("HTTP_AUTHORIZATION")
        if header is None:
            return handler(request)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token or " " in token:
            raise InvalidToken("Send the access token as `Authorization: Bearer <token>`.")
        claims = verify(token)
        ctx = request.context
        if ctx is None:
            raise RuntimeError("authentication runs before execution_context (check keel.E011).")
        actor = load_actor(ctx, claims)
        if actor is None:
            raise InvalidToken("The token has been revoked.")
        request.claims = claims
        request.actor = actor
        with rebind(ctx.evolve(actor=actor)) as bound:
            request.context = bound
            return handler(request)

    return layer
