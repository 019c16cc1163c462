"""Time, passed in rather than read from a global, so tests can freeze it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock that always answers `at`: for tests."""

    at: datetime

    def now(self) -> datetime:
        return self.at


SYSTEM_CLOCK = SystemClock()
