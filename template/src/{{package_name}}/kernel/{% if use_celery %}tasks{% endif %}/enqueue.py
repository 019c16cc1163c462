# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""`enqueue(ctx, task, ...)`: publish a task once the unit of work commits.

The message carries the actor and the request id in its headers; nothing is published
when the unit of work rolls back.
"""

from __future__ import annotations

import inspect
from typing import Any, ParamSpec
from urllib.parse import urlsplit
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app
from kombu.serialization import dumps

from ..core.context import ExecutionContext
from ..core.permissions import authorize
from .declaration import TaskRef
from .worker import ACTOR_HEADER, REQUEST_ID_HEADER, celery_of, celery_task_for

P = ParamSpec("P")


class EnqueueError(RuntimeError):
    """A task could not be handed to the broker (it is down, or unreachable)."""


def enqueue(
    ctx: ExecutionContext, task: TaskRef[P, Any], /, *args: P.args, **kwargs: P.kwargs
) -> str:
    """Publish `task(*args, **kwargs)` once `ctx`'s unit of work commits; return its id.

    On rollback nothing is published. The worker runs the task as `ctx.actor`, with
    `ctx.request_id`. Bad arguments (wrong names, not JSON-serialisable) raise here,
    before the commit. A broker that cannot be reached raises `EnqueueError` from the
    commit, within a few seconds: the data is committed by then, so a task that must
    never be lost belongs in an outbox table the same transaction writes.
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
    task_id = _new_task_id()
    headers = {ACTOR_HEADER: ctx.actor.to_header(), REQUEST_ID_HEADER: ctx.request_id}
    options = dict(task.publish_options)
    discarded = False

    def discard(session: Any, previous_transaction: Any) -> None:
        nonlocal discarded
        if previous_transaction.parent is None:  # the unit of work, not a SAVEPOINT
            discarded = True

    # `ctx.rollback()` drops on_commit callbacks, but code may also call
    # `ctx.session.rollback()` directly, which does not: so the rollback itself
    # withdraws this publish. A session that has not begun
    # has nothing to roll back and sends no event: begin it (no connection is taken).
    if not ctx.session.in_transaction():
        ctx.session.begin()
    sa.event.listen(ctx.session, "after_soft_rollback", discard)

    def publish() -> None:
        if discarded:
            ctx.logger.debug("not publishing task %s: its unit of work rolled back", task.name)
            return
        if celery.conf.task_always_eager:
            # Runs the task here, in its own context; its errors are its own, not the broker's.
            celery_task.apply_async(args, kwargs, task_id=task_id, headers=headers, **options)
            return
        try:
            celery_task.apply_async(args, kwargs, task_id=task_id, headers=headers, **options)
        except Exception as exc:  # kombu, redis and OS errors alike: all mean the same
            reason = " ".join(str(exc).split())
            raise EnqueueError(
                f"could not publish task {task.name} (id {task_id}): "
                f"{type(exc).__name__}: {reason} -- are the broker "
                f"(CELERY_BROKER_URL={_redact(celery.conf.broker_url)}) and the result "
                f"backend (CELERY_RESULT_BACKEND={_redact(str(celery.conf.result_backend))}) "
                "running?"
            ) from exc
        ctx.logger.info("published task %s", task.name, extra={"task_id": task_id})

    ctx.on_commit(publish)
    return task_id


def _new_task_id() -> str:
    return str(uuid4())


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
