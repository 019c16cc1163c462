# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Keel's kernel: the framework code this service runs on, and its public API.

Template-owned: `copier update` refreshes every file in this package, so edit your
modules and `settings.py` instead. Its rule: the kernel never imports a domain module
by name; it loads what `settings.INSTALLED_MODULES` lists, in that order.

Your modules import what they need from here (`from ..kernel import requires, Model`),
and your settings subclass `ServiceSettings` (the kernel's settings, with Celery's
when the service has tasks);
these names are the kernel's public API and keep working across updates. The task
API (`context_task`, `enqueue`, `CelerySettings`) lives in `kernel.tasks` in services
generated with Celery.

Layers (each subpackage's docstring says what it may import; import-linter checks it):

    testing     the pytest plugin: the generic fixtures every suite shares
    bootstrap   create_app(): the one place that decides the order of startup
    checks      every check, in one tuple, and `flask check`
    cli         commands in an execution context; middleware/permissions/openapi
    http | tasks  the entry-point adapters: the Flask app, middleware, errors,
                OpenAPI (http); Celery (tasks)
    auth        bearer tokens: rules, families, issue/rotate/revoke, revocation
    data        Flask-SQLAlchemy, the unit of work, permission-aware queries
    registry    INSTALLED_MODULES and `Module`
    core        actors, clock, context, permission rules, settings, checks, state

Lifecycle:
- import time: nothing happens (no settings read, no app, no database connection);
- startup: `create_app()` reads settings once, loads modules in phases, wires
  extensions and runs the checks;
- per unit of work (request, task, command, test): one execution context, one
  transaction.

The flat modules beside the subpackages (`kernel/permissions.py`, ...) are the import
paths of Keel 0.1.0: they still work, with a DeprecationWarning, until 0.4.0.
"""

from .bootstrap import create_app
from .cli.context import in_context
from .core.actors import ANONYMOUS, SYSTEM, Actor
from .core.checks import CheckMessage, ConfigurationError
from .core.clock import SYSTEM_CLOCK, Clock
from .core.context import ExecutionContext, NoContextError, current_context, rebind
from .core.permissions import (
    AllOf,
    AnyOf,
    HasPermissionCode,
    HasRole,
    IsAuthenticated,
    IsOwner,
    IsSystem,
    Not,
    Permission,
    PermissionDenied,
    Public,
    authorize,
)
from .core.settings import KernelSettings
from .data.database import Model, UTCDateTime, db
from .data.queries import get_or_404, page_with_total, scoped
from .data.unit_of_work import open_context
from .http.app import KeelFlask
from .http.concurrency import check_if_match, entity_tag, quoted
from .http.declare import public, requires
from .http.errors import problem
from .http.middleware import Handler, place
from .http.ratelimit import RateLimited, rate_limiter_of
from .http.request import Request, authenticated, current_request, require_actor
from .http.schemas import StrictSchema
from .registry.modules import Module
from .service import ServiceSettings

__all__ = [
    "ANONYMOUS",
    "SYSTEM",
    "SYSTEM_CLOCK",
    "Actor",
    "AllOf",
    "AnyOf",
    "CheckMessage",
    "Clock",
    "ConfigurationError",
    "ExecutionContext",
    "Handler",
    "HasPermissionCode",
    "HasRole",
    "IsAuthenticated",
    "IsOwner",
    "IsSystem",
    "KeelFlask",
    "KernelSettings",
    "Model",
    "Module",
    "NoContextError",
    "Not",
    "Permission",
    "PermissionDenied",
    "Public",
    "RateLimited",
    "Request",
    "ServiceSettings",
    "StrictSchema",
    "UTCDateTime",
    "authenticated",
    "authorize",
    "check_if_match",
    "create_app",
    "current_context",
    "current_request",
    "db",
    "entity_tag",
    "get_or_404",
    "in_context",
    "open_context",
    "page_with_total",
    "place",
    "problem",
    "public",
    "quoted",
    "rate_limiter_of",
    "rebind",
    "require_actor",
    "requires",
    "scoped",
]
