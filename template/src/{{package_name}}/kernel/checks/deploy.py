# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The deployment checks of the service as a whole (`flask check --deploy`)."""

from __future__ import annotations

from flask import Flask

from ..core.checks import CheckMessage
from ..core.state import kernel_state


def production_environment(app: Flask) -> list[CheckMessage]:
    """keel.E101, keel.E102, keel.W103: production settings."""
    settings = kernel_state(app).settings
    messages = []
    if settings.APP_ENV != "production":
        messages.append(
            CheckMessage(
                "keel.E101",
                "error",
                f"APP_ENV is {settings.APP_ENV!r}: debug pages and test shortcuts are on.",
                "Set APP_ENV=production in the deployed environment.",
                "APP_ENV",
            )
        )
    if settings.DATABASE_URL.startswith("sqlite") and ":memory:" in settings.DATABASE_URL:
        messages.append(
            CheckMessage(
                "keel.E102",
                "error",
                "DATABASE_URL is an in-memory SQLite database: every restart loses all data.",
                "Point DATABASE_URL at a file or at PostgreSQL.",
                "DATABASE_URL",
            )
        )
    if settings.TRUSTED_PROXIES == 0:
        messages.append(
            CheckMessage(
                "keel.W103",
                "warning",
                "TRUSTED_PROXIES is 0: behind a TLS-terminating proxy the service sees plain "
                "HTTP, never sends HSTS, and rate limits key on the proxy's address.",
                "Set TRUSTED_PROXIES to the number of proxies in front of the service, or "
                "silence keel.W103 if clients connect directly.",
                "TRUSTED_PROXIES",
            )
        )
    return messages
