# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Background tasks: Celery, run inside the same execution context as a request.

This package is the task adapter: `settings` (CelerySettings, which turns it on),
`declaration` (`@context_task`), `enqueue`, `outbox`, `worker` (the Celery app `create_app()`
builds), `sqlite_broker` (the embedded broker) and `checks`. It may import the auth,
data, registry and core layers; never the HTTP or CLI adapters.

A task is a service function that takes `ctx` first, declared with `@context_task`
and with what it needs, as a route is::

    @context_task(requires=IsAuthenticated())
    def send_welcome_mail(ctx: ExecutionContext, user_id: int) -> None:
        user = ctx.session.get(User, user_id)
        ...

`requires=` is checked against the enqueuing actor when it enqueues (so a request
learns at once) and again on the worker, which runs the task as that actor.
`run_as="system"` declares a task that runs as the system actor whoever enqueued it
(maintenance, scheduled jobs). A task must say one or the other.

and enqueued from a unit of work with `enqueue(ctx, send_welcome_mail, user.id)`.
`enqueue` writes the message in that unit of work and sends it after the commit
(nothing on rollback), and puts
the actor and request id in the message headers; the worker opens
`open_context(app, origin="task", ...)` with them around the task, so the task runs as
the same actor, logs with the same request id, and gets its own transaction.

Why not `@shared_task` and `.delay()`: `.delay()` publishes at once, so a worker may
run before the row it needs is committed (or after it was rolled back), and it carries
no actor. The Celery app is built by `create_app()` (`init_celery`), from settings, so
the worker, the web app and the tests share one start-up path.

Reliability defaults (see docs/tasks.md): late acks with requeue when a worker dies,
prefetch 1, and broker timeouts plus a publish retry limit. `enqueue` writes the
message into the caller's transaction (the `task_outbox` table, `outbox`): a dead
broker never fails a request, the worker's relay sends what was not sent, and a
message delivered twice runs once.
"""

from .declaration import Schedule, TaskRef, context_task
from .enqueue import EnqueueError, enqueue
from .outbox import OutboxRelay, OutboxSender, RelayResult, outbox_of
from .settings import CelerySettings
from .worker import (
    ACTOR_HEADER,
    REQUEST_ID_HEADER,
    ContextTask,
    KeelCelery,
    actor_and_request_id,
    beat_schedule,
    celery_config,
    celery_of,
    init_celery,
    installed_tasks,
)

__all__ = [
    "ACTOR_HEADER",
    "REQUEST_ID_HEADER",
    "CelerySettings",
    "ContextTask",
    "EnqueueError",
    "KeelCelery",
    "OutboxRelay",
    "OutboxSender",
    "RelayResult",
    "Schedule",
    "TaskRef",
    "actor_and_request_id",
    "beat_schedule",
    "celery_config",
    "celery_of",
    "context_task",
    "enqueue",
    "init_celery",
    "installed_tasks",
    "outbox_of",
]
