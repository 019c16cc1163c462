# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`enqueue(ctx, task, ...)`: write a task message into the unit of work (the outbox).

The message is a `task_outbox` row of the caller's transaction, sent to the broker
after the commit; a broker that is down leaves it for the relay (kernel/tasks/outbox.py).
The message carries the actor and the request id in its headers; nothing is sent when
the unit of work rolls back.
"""

from __future__ import annotations

import inspect
from typing import Any, ParamSpec
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app
from kombu.serialization import dumps

from ..core.context import ExecutionContext
from ..core.permissions import authorize
from .declaration import TaskRef
from .outbox import Message, outbox_of, write_message
from .worker import ACTOR_HEADER, REQUEST_ID_HEADER, celery_of, celery_task_for

P = ParamSpec("P")


class EnqueueError(RuntimeError):
    """A task could not be handed to the broker (kept for callers that catch it: with the
    outbox, `enqueue` no longer raises it; a send that fails is retried by the relay)."""


def enqueue(
    ctx: ExecutionContext, task: TaskRef[P, Any], /, *args: P.args, **kwargs: P.kwargs
) -> str:
    """Write `task(*args, **kwargs)` into `ctx`'s unit of work; return its task id.

    The message is committed with the caller's rows and sent after the commit; on
    rollback (of the unit of work, or of a SAVEPOINT that wrote it) it is gone. A broker
    that is down or unreachable does not fail the caller: the message stays in the
    outbox, and the worker's relay sends it when the broker is back. The worker runs
    the task as `ctx.actor`, with `ctx.request_id`, once per message. Bad arguments
    (wrong names, not JSON-serialisable) raise here, before the commit.
    """
    if task.run_as is None:
        authorize(ctx, task.permission)  # refused now, in the caller, not on a worker later
    celery = celery_of(current_app)
    celery_task = celery_task_for(celery, task)
    try:
        inspect.signature(celery_task.run).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"enqueue({task.name}): {exc}") from None
    # Serialise now, so an argument the broker cannot carry fails before the commit.
    dumps((args, kwargs), serializer=celery.conf.task_serializer)  # type: ignore[no-untyped-call]
    headers = {ACTOR_HEADER: ctx.actor.to_header(), REQUEST_ID_HEADER: ctx.request_id}
    message = Message.build(
        _new_task_id(), task.name, args, kwargs, headers, task.publish_options, ctx.clock.now()
    )
    dumps(message.payload(), serializer="json")  # type: ignore[no-untyped-call]  # publish options too
    row = write_message(ctx, message)
    sender = outbox_of(current_app)

    def send() -> None:
        # A rollback (`ctx.session.rollback()`, or a SAVEPOINT's) took the row away:
        # SQLAlchemy forgets the identity of an object whose INSERT it rolled back.
        if not sa.inspect(row).has_identity:
            ctx.logger.debug("not sending task %s: its row was rolled back", task.name)
            return
        sender.after_commit(message)

    ctx.on_commit(send)
    return message.id


def _new_task_id() -> str:
    return str(uuid4())
