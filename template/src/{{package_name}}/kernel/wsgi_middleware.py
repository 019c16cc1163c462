# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The dotted path settings.py names in WSGI_MIDDLEWARE: `<package>.kernel.wsgi_middleware`.

A stable alias of kernel/http/wsgi_middleware.py, kept so the line your settings.py has
had since Keel 0.1.0 never needs to change.
"""

from .http.wsgi_middleware import proxy_fix

__all__ = ["proxy_fix"]
