# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""WSGI middleware for transport concerns (`settings.WSGI_MIDDLEWARE`).

A factory takes the WSGI application and the settings and returns the wrapped
application. These layers see every byte that leaves, before Flask does anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.middleware.proxy_fix import ProxyFix

from ..core.settings import KernelSettings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def proxy_fix(wsgi_app: WSGIApplication, settings: KernelSettings) -> WSGIApplication:
    """Trust X-Forwarded-For/Proto/Host/Port/Prefix from `TRUSTED_PROXIES` hops only.

    With 0 (the default) forwarded headers are ignored: a client cannot spoof its IP
    (which the login rate limit keys on) or make a plain request look like HTTPS.
    """
    hops = settings.TRUSTED_PROXIES
    if hops == 0:
        return wsgi_app
    return ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
