# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Middleware that record what they see, to test the stack's order and paths."""

from __future__ import annotations

from flask import Flask, Response

from ..middleware_log import EVENTS


def _recorder(name: str):  # type: ignore[no-untyped-def]
    def factory(handler, app: Flask):  # type: ignore[no-untyped-def]
        def layer(request) -> Response:  # type: ignore[no-untyped-def]
            EVENTS.append(f"{name}:before")
            try:
                response = handler(request)
            except Exception as exc:
                EVENTS.append(f"{name}:exception:{type(exc).__name__}")
                raise
            EVENTS.append(f"{name}:after:{response.status_code}")
            return response

        return layer

    return factory


outer = _recorder("outer")
inner = _recorder("inner")


def short_circuit(handler, app: Flask):  # type: ignore[no-untyped-def]
    """Answers /health/live itself when asked to, without calling the rest."""

    def layer(request) -> Response:  # type: ignore[no-untyped-def]
        if request.headers.get("X-Short-Circuit"):
            EVENTS.append("short:answered")
            return Response("short", status=418)
        return handler(request)

    return layer


def explode_after(handler, app: Flask):  # type: ignore[no-untyped-def]
    """Fails after the view has run (and written), before the response leaves."""

    def layer(request) -> Response:  # type: ignore[no-untyped-def]
        response = handler(request)
        if request.headers.get("X-Explode"):
            raise RuntimeError("middleware failed after the view")
        return response

    return layer
