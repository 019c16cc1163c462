# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Declaring tasks: `@context_task`, which records a `TaskRef` (it registers nothing).

Every Celery app `create_app()` builds registers the declared tasks of the installed
modules (`Module.tasks`), so the worker and the web app know the same tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar

from ..core.checks import ConfigurationError
from ..core.context import ExecutionContext
from ..core.permissions import IsSystem, Permission

P = ParamSpec("P")
R = TypeVar("R")


Schedule = timedelta | float | Any  # Any: a celery.schedules.crontab / schedule


@dataclass(frozen=True, slots=True)
class TaskRef(Generic[P, R]):
    """A declared task: its name, its function, and how Celery should run it.

    Calling it runs the function inline, in the caller's unit of work (for tests and
    for composing services); `enqueue(ctx, ref, ...)` runs it later, on a worker.
    """

    name: str
    function: Callable[Concatenate[ExecutionContext, P], R]
    #: Celery task options (`autoretry_for`, `max_retries`, `time_limit`, ...).
    task_options: Mapping[str, Any] = field(default_factory=dict)
    #: Options for each publish (`countdown`, `eta`, `queue`, `priority`, ...).
    publish_options: Mapping[str, Any] = field(default_factory=dict)
    #: Run periodically from beat, as the system actor.
    schedule: Schedule | None = None
    #: Checked against the actor at enqueue time and again on the worker.
    permission: Permission = field(default_factory=IsSystem)
    #: "system": run as the system actor, whoever enqueued it.
    run_as: Literal["system"] | None = None

    def __call__(self, ctx: ExecutionContext, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.function(ctx, *args, **kwargs)

    def with_options(self, **publish_options: Any) -> TaskRef[P, R]:
        """The same task, published with these options: `ref.with_options(countdown=60)`."""
        return replace(self, publish_options={**self.publish_options, **publish_options})


#: Every task declared in this process, by name (read by `installed_tasks`).
DECLARED: dict[str, TaskRef[Any, Any]] = {}


def context_task(
    bare: object = None,
    /,
    *,
    requires: Permission | None = None,
    run_as: Literal["system"] | None = None,
    name: str | None = None,
    schedule: Schedule | None = None,
    **task_options: Any,
) -> Callable[[Callable[Concatenate[ExecutionContext, P], R]], TaskRef[P, R]]:
    """Declare a task: `@context_task(requires=HasRole("admin"), max_retries=3)`.

    Exactly one of `requires=` (a permission the enqueuing actor must hold; the task
    runs as that actor) or `run_as="system"` (the task runs as the system actor).

    The function takes the execution context first; callers never pass it. Arguments
    must be JSON-serialisable (pass ids, not model instances): `enqueue` checks that
    before the transaction commits. Declaration only records the task; every Celery app
    `create_app()` builds registers it, so modules list their task files in
    `Module.tasks` and the worker and the web app both know every task.
    """

    if bare is not None:
        where = _origin(bare) if callable(bare) else repr(bare)
        raise ConfigurationError(
            "keel.E022",
            f"@context_task on {where} must declare who may run it.",
            hint='Write @context_task(requires=<permission>) or @context_task(run_as="system").',
            obj=where,
        )
    if (requires is None) == (run_as is None):
        raise ConfigurationError(
            "keel.E022",
            "@context_task needs exactly one of requires=<permission> (runs as the "
            'enqueuing actor) or run_as="system".',
            hint="Pass one of the two, not both and not neither.",
        )
    if run_as not in (None, "system"):
        raise ConfigurationError(
            "keel.E022",
            f'@context_task(run_as={run_as!r}): only "system" exists.',
            hint='Write run_as="system", or requires=<permission> to run as the enqueuer.',
        )
    permission = requires if requires is not None else IsSystem()

    def declare(func: Callable[Concatenate[ExecutionContext, P], R]) -> TaskRef[P, R]:
        task_name = name or f"{func.__module__}.{func.__qualname__}"
        existing = DECLARED.get(task_name)
        if existing is not None and _origin(existing.function) != _origin(func):
            raise ConfigurationError(
                "keel.E022",
                f"task name {task_name!r} is declared twice: by {_origin(existing.function)} "
                f"and by {_origin(func)}.",
                hint="Pass name=... to one of them.",
                obj=task_name,
            )
        ref = TaskRef(
            task_name,
            func,
            dict(task_options),
            schedule=schedule,
            permission=permission,
            run_as=run_as,
        )
        DECLARED[task_name] = ref
        return ref

    return declare


def _origin(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"
