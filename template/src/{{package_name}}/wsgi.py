# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The WSGI entry point: `granian --interface wsgi <package>.wsgi:app`."""

from . import create_app

app = create_app()
