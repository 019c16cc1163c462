# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The Celery app `create_app()` builds, and how each task runs on the worker.

Reliability defaults (see docs/tasks.md): late acks with requeue when a worker dies,
prefetch 1, broker timeouts plus a publish retry limit, and the outbox
(kernel/tasks/outbox.py): a message is sent after its commit, or by the relay each
worker runs; a task whose outbox row is done already is skipped, so it runs once.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from celery import Celery, Task
from celery.exceptions import Ignore, Reject
from celery.signals import setup_logging, worker_process_init
from flask import Flask

from ..auth.backend import current_actor
from ..core.actors import SYSTEM, Actor
from ..core.checks import ConfigurationError
from ..core.context import current_context, rebind
from ..core.permissions import IsSystem, Permission, authorize
from ..core.state import kernel_state
from ..data.database import db, ensure_sqlite_folder
from ..data.unit_of_work import open_context
from ..registry.modules import InstalledModules
from .declaration import DECLARED, TaskRef
from .outbox import OutboxRelay, OutboxSender, begin_delivery, finish_delivery
from .settings import CelerySettings
from .sqlite_broker import SQLiteBrokerConnection

#: Message headers that carry the execution context to the worker.
ACTOR_HEADER = "keel_actor"
REQUEST_ID_HEADER = "keel_request_id"

#: How often publishing retries a broker connection before `EnqueueError`.
PUBLISH_MAX_RETRIES = 2
_RETRY_INTERVALS = {"interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def actor_and_request_id(request: Any) -> tuple[Actor, str | None]:
    """Read the context headers from a Celery task request.

    Celery has moved custom headers around between versions and code paths: a worker
    exposes them as attributes of the request and in `request.headers`, an eager run
    only in `request.headers`. Look in both; a missing actor is anonymous (least
    privilege), a missing request id gets a fresh one.
    """
    headers = getattr(request, "headers", None)
    headers = headers if isinstance(headers, Mapping) else {}
    actor = headers.get(ACTOR_HEADER, getattr(request, ACTOR_HEADER, None))
    request_id = headers.get(REQUEST_ID_HEADER, getattr(request, REQUEST_ID_HEADER, None))
    return Actor.from_header(actor), request_id if isinstance(request_id, str) else None


class ActorGone(Reject):  # type: ignore[misc]  # Celery ships no type hints
    """The task's actor was deactivated or deleted after enqueueing: refused for good.

    A `Reject` without requeue: the message is dropped (never retried, whatever the
    task's `autoretry_for`), and the refusal is logged with the task and request ids.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason, requeue=False)


class ContextTask(Task):  # type: ignore[misc]  # Celery ships no type hints
    """Celery task base: each run is one unit of work in its own execution context.

    Like Flask's documented pattern (a Task whose `__call__` pushes the app context),
    but through `open_context`, so a task gets what a request gets: actor, request id,
    session, one transaction (committed on success, rolled back on error or retry)
    and `on_commit` callbacks.
    """

    #: Set per task from its declaration (see `_register`).
    keel_permission: Permission = IsSystem()
    keel_run_as: Literal["system"] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly:
            # Called as a function: no message, so no headers; run in the caller's context.
            return self.run(*args, **kwargs)
        flask_app = getattr(self.app, "flask_app", None)
        if not isinstance(flask_app, Flask):
            raise RuntimeError(
                f"task {self.name} runs on a Celery app not built by create_app(); start "
                "the worker with `celery -A <package>.worker:celery worker`."
            )
        actor, request_id = actor_and_request_id(self.request)
        if self.keel_run_as == "system":
            actor = SYSTEM
        with open_context(flask_app, origin="task", actor=actor, request_id=request_id) as ctx:
            # The actor may be gone, or have lost the permission, since enqueueing: the
            # users table says who they are now, and the permission is checked again.
            now = current_actor(ctx, actor)
            if now is None:
                ctx.logger.warning(
                    "task %s refused: its actor %s has been deactivated or deleted",
                    self.name,
                    actor,
                    extra={"task_id": self.request.id, "task": self.name},
                )
                raise ActorGone(f"task {self.name}: actor {actor} is no longer active")
            with rebind(ctx.evolve(actor=now)) as bound:
                authorize(bound, self.keel_permission)
                task_id = self.request.id
                tracked = begin_delivery(bound, task_id)
                if tracked is False:
                    raise self._duplicate(bound, "has run already")
                result = self.run(*args, **kwargs)
                if tracked and not finish_delivery(bound, task_id):
                    # Another delivery of the message committed first: raising rolls
                    # this one's work back.
                    raise self._duplicate(bound, "was run by another delivery meanwhile")
                return result

    def _duplicate(self, ctx: Any, what: str) -> Ignore:
        """A second delivery of one outbox message: skipped, acknowledged, not recorded
        as a result (the first delivery's stays)."""
        ctx.logger.info(
            "task %s skipped: this message %s (outbox)",
            self.name,
            what,
            extra={"task_id": self.request.id, "task": self.name},
        )
        return Ignore()


def _runner(ref: TaskRef[Any, Any]) -> Callable[..., Any]:
    """The function Celery calls: the task's function, given the open context.

    Its signature is the task's without `ctx`, so Celery's argument checks, retries and
    `autoretry_for` see exactly the arguments that travel in the message.
    """
    function = ref.function

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        return function(current_context(), *args, **kwargs)

    signature = inspect.signature(function)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    return run


class KeelCelery(Celery):  # type: ignore[misc]  # Celery ships no type hints
    """A Celery app that knows the Flask app it was built for."""

    def __init__(self, flask_app: Flask, **kwargs: Any) -> None:
        super().__init__(flask_app.import_name, **kwargs)
        self.flask_app = flask_app


def _register(celery: KeelCelery, ref: TaskRef[Any, Any]) -> None:
    celery.task(
        name=ref.name,
        base=ContextTask,
        shared=False,
        lazy=False,
        keel_permission=ref.permission,
        keel_run_as=ref.run_as,
        **ref.task_options,
    )(_runner(ref))


def celery_task_for(celery: KeelCelery, ref: TaskRef[Any, Any]) -> Any:
    """The Celery task for `ref` on this app; only installed modules' tasks have one.

    A task the web app could publish but the worker (which loads the same modules)
    does not know would fail on the worker, long after the request: refuse it here.
    """
    task = celery.tasks.get(ref.name)
    if task is None or not isinstance(task, ContextTask):
        raise LookupError(
            f"task {ref.name} is not declared in the tasks of an installed module; list "
            f"{ref.function.__module__!r} in its Module(tasks=...) and the module in "
            "INSTALLED_MODULES."
        )
    return task


_FLASK_APPS: weakref.WeakSet[Flask] = weakref.WeakSet()


def celery_config(settings: CelerySettings) -> dict[str, Any]:
    """Celery's configuration, from settings only."""
    timeout = settings.CELERY_BROKER_TIMEOUT
    backend_scheme = settings.CELERY_RESULT_BACKEND.partition("://")[0]
    config: dict[str, Any] = {
        "broker_url": settings.CELERY_BROKER_URL,
        "result_backend": settings.CELERY_RESULT_BACKEND,
        "task_default_queue": settings.CELERY_TASK_DEFAULT_QUEUE,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "task_always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
        # An eager task's error reaches the caller instead of hiding in an EagerResult.
        "task_eager_propagates": True,
        # Acknowledge after the task ran, and requeue if its worker process dies, so a
        # crash reruns the task instead of losing it (tasks must be idempotent).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # One message at a time per process: a long task does not hold others hostage.
        "worker_prefetch_multiplier": 1,
        # Fail fast when the broker is down, instead of retrying for ever.
        "broker_connection_timeout": timeout,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": broker_transport_options(settings),
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": PUBLISH_MAX_RETRIES, **_RETRY_INTERVALS},
        # Results are opt-in (`@context_task(ignore_result=False)`): with Redis, every
        # publish of a task whose result is kept subscribes the publishing process to
        # that result, and a web process never reads it.
        "task_ignore_result": True,
        "result_expires": timedelta(days=1),
        # Keep the kernel's log handler (JSON, request id and actor on every line).
        "worker_hijack_root_logger": False,
        "beat_schedule_filename": settings.CELERY_BEAT_SCHEDULE_FILE,
    }
    if backend_scheme in ("redis", "rediss"):
        config |= {
            "redis_socket_timeout": timeout,
            "redis_socket_connect_timeout": timeout,
            "result_backend_transport_options": {"retry_policy": {"timeout": timeout}},
        }
    elif backend_scheme.startswith("db+sqlite"):
        config["database_engine_options"] = {"connect_args": {"timeout": timeout}}
    return config


def broker_transport_options(settings: CelerySettings) -> dict[str, Any]:
    """Per-transport options; each transport rejects the others' keys."""
    scheme = settings.CELERY_BROKER_URL.partition("://")[0]
    timeout = settings.CELERY_BROKER_TIMEOUT
    # `max_retries` bounds kombu's connection attempts (unbounded by default: a publish
    # to a dead broker hangs for ever).
    options: dict[str, Any] = {"max_retries": PUBLISH_MAX_RETRIES, **_RETRY_INTERVALS}
    if scheme in ("redis", "rediss"):
        options |= {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        }
    elif scheme.startswith(("sqla+", "sqlalchemy+")):
        # The SQLAlchemy transport passes the rest to create_engine().
        if "sqlite" in scheme:
            options["connect_args"] = {
                "timeout": timeout,
                "check_same_thread": False,
                "factory": SQLiteBrokerConnection,
            }
        elif "postgresql" in scheme:
            options["connect_args"] = {"connect_timeout": max(1, int(timeout))}
    return options


def beat_schedule(tasks: Iterable[TaskRef[Any, Any]]) -> dict[str, dict[str, Any]]:
    """Beat entries for the tasks declared with `schedule=`; they run as the system."""
    return {
        ref.name: {
            "task": ref.name,
            "schedule": ref.schedule,
            "options": {"headers": {ACTOR_HEADER: SYSTEM.to_header()}},
        }
        for ref in tasks
        if ref.schedule is not None
    }


def installed_tasks(app: Flask) -> list[TaskRef[Any, Any]]:
    """The declared tasks that live in an installed module's `Module.tasks`.

    Declaration is process-wide (a module imported for any reason declares its tasks);
    what a service runs is decided by INSTALLED_MODULES alone, as for blueprints.
    """
    roots = {
        importlib.util.resolve_name(dotted.partition(":")[0], loaded.package)
        for loaded in kernel_state(app).get(InstalledModules)
        for dotted in loaded.spec.tasks
    }
    return [
        ref
        for ref in DECLARED.values()
        if any(
            ref.function.__module__ == root or ref.function.__module__.startswith(f"{root}.")
            for root in roots
        )
    ]


def init_celery(app: Flask) -> KeelCelery:
    """Build the Celery app for `app` (called by `create_app()`); `celery_of(app)` gets it."""
    settings = kernel_state(app).settings
    if not isinstance(settings, CelerySettings):
        raise ConfigurationError(
            "keel.E001",
            "This service uses Celery, so its Settings must subclass CelerySettings.",
            hint="Write `class Settings(ServiceSettings)` in settings.py "
            "(from .kernel import ServiceSettings).",
            obj="settings",
        )
    for url in (settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND):
        ensure_sqlite_folder(url)
    Path(settings.CELERY_BEAT_SCHEDULE_FILE).parent.mkdir(parents=True, exist_ok=True)

    celery = KeelCelery(app, set_as_current=False)
    tasks = installed_tasks(app)
    celery.conf.update(celery_config(settings), beat_schedule=beat_schedule(tasks))
    for ref in tasks:
        _register(celery, ref)
    kernel_state(app).add(celery)
    kernel_state(app).add(OutboxSender(app, celery, settings))
    celery.steps["worker"].add(OutboxRelay)
    _FLASK_APPS.add(app)
    setup_logging.connect(_keep_kernel_logging, weak=False, dispatch_uid="keel.logging")
    worker_process_init.connect(
        dispose_engines_after_fork, weak=False, dispatch_uid="keel.dispose_engines"
    )
    return celery


def celery_of(app: Flask) -> KeelCelery:
    """The Celery app `create_app()` built for `app`."""
    return kernel_state(app).get(KeelCelery)


def _keep_kernel_logging(**_: Any) -> None:
    """Celery configures logging only when nobody answers this signal: create_app did."""


def dispose_engines_after_fork(**_: Any) -> None:
    """In each new worker process, drop the pool's connections inherited from the parent.

    A forked child sharing the parent's sockets interleaves their traffic and corrupts
    both; `close=False` forgets them without closing the parent's.
    """
    for flask_app in list(_FLASK_APPS):
        with flask_app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
