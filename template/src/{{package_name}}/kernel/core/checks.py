# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The check vocabulary: stable ids, messages, and the error that stops startup.

Every problem the kernel can report at startup or under `flask check` has an id from
`CATALOG` (`keel.E0xx` errors stop the service, `keel.W0xx` warnings are logged once),
a message that gives the state and its consequence, and a hint that says what to do.
`flask check --list` prints the catalog; a test checks that every id cited in the docs
and docstrings is in it.

Example::

    raise ConfigurationError(
        "keel.E003", "MIDDLEWARE: cannot import 'app.timing'", hint="Fix the dotted path."
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["error", "warning"]

#: Every check id, with what it is about. Ids are never reused for another meaning.
CATALOG: dict[str, str] = {
    "keel.E001": "The settings are invalid: a variable is missing or malformed.",
    "keel.E002": "A module of INSTALLED_MODULES cannot be loaded.",
    "keel.E003": "A dotted path in the settings cannot be imported.",
    "keel.E004": "A middleware entry is listed twice, is not callable or returns no handler.",
    "keel.E005": "SILENCED_CHECKS names an error: only warnings can be silenced.",
    "keel.E010": "A raw before/after/teardown_request hook runs outside the middleware stack.",
    "keel.E011": "The authentication layer is not placed after the execution context.",
    "keel.E012": "A security layer of the kernel is missing from settings.MIDDLEWARE.",
    "keel.E013": "The kernel's layers listed in settings.MIDDLEWARE are out of order.",
    "keel.E014": "A middleware layer is placed next to a kernel layer that does not exist.",
    "keel.W015": "settings.MIDDLEWARE still lists the kernel's own layers (0.1.0 style).",
    "keel.E020": "A route declares no permission (deny by default).",
    "keel.E021": "A module command declares no actor.",
    "keel.E022": "A task is declared without saying who may run it.",
    "keel.E030": "The API docs are on but Swagger UI's files are not installed.",
    "keel.W050": "A response schema is dumped by marshmallow, not by the compiled plan.",
    "keel.E101": "APP_ENV is not production.",
    "keel.E102": "DATABASE_URL is an in-memory SQLite database.",
    "keel.W103": "TRUSTED_PROXIES is 0.",
    "keel.E104": "Login rate limits are counted in process memory.",
    "keel.W105": "Login rate limits fail open while their storage is down.",
    "keel.E201": "Celery runs tasks eagerly, inside the web request.",
    "keel.W202": "Celery uses the embedded SQLite broker.",
}


def level_of(check_id: str) -> Level | None:
    """ "error" for a `keel.E...` id, "warning" for `keel.W...`, None for another id."""
    levels: dict[str, Level] = {"keel.E": "error", "keel.W": "warning"}
    return levels.get(check_id[:6])


def _known(check_id: str) -> str:
    if check_id not in CATALOG:
        raise ValueError(f"{check_id!r} is not a check id of kernel/core/checks.py's CATALOG")
    return check_id


@dataclass(frozen=True, slots=True)
class CheckMessage:
    """One finding: which check, how bad, about what, what is wrong, what to do."""

    id: str
    level: Level
    msg: str
    hint: str = ""
    #: What the message is about: a setting, a route, a module, a command.
    obj: str = ""

    def __post_init__(self) -> None:
        _known(self.id)

    def report(self) -> str:
        """The block `flask check` prints for this message."""
        lines = [f"{self.id} ({self.level}){f'  {self.obj}' if self.obj else ''}"]
        lines.extend(f"    {line}" for line in self.msg.splitlines())
        if self.hint:
            lines.append(f"    HINT: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        hint = f"\n    HINT: {self.hint}" if self.hint else ""
        return f"{self.id} ({self.level}): {self.msg}{hint}"


@dataclass(frozen=True, slots=True)
class Check:
    """A check: a function of the app that returns messages; `deploy` ones run only
    under `flask check --deploy` (and at production startup)."""

    run: Callable[[Any], list[CheckMessage]]
    deploy: bool = False

    @property
    def name(self) -> str:
        return getattr(self.run, "__name__", repr(self.run))


class ConfigurationError(RuntimeError):
    """The service cannot start with this configuration; the messages say how to fix it.

    Raised by `create_app()` for one or more error-level `CheckMessage`s. `flask check`
    and every other `flask` command print them as a report and exit 1, without a
    traceback.
    """

    def __init__(self, check_id: str, msg: str = "", *, hint: str = "", obj: str = "") -> None:
        self.messages: tuple[CheckMessage, ...] = (CheckMessage(check_id, "error", msg, hint, obj),)
        super().__init__(self._text())

    @classmethod
    def of(cls, messages: list[CheckMessage]) -> ConfigurationError:
        """One error for several messages (every failed check at once)."""
        error = cls(messages[0].id, messages[0].msg, hint=messages[0].hint, obj=messages[0].obj)
        error.messages = tuple(messages)
        error.args = (str(error),)
        return error

    @property
    def check_ids(self) -> tuple[str, ...]:
        return tuple(message.id for message in self.messages)

    def _text(self) -> str:
        return "\n".join(str(message) for message in self.messages)

    def __str__(self) -> str:
        return self._text()
