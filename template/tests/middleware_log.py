"""What the recording middleware saw, in order (cleared by the tests)."""

EVENTS: list[str] = []
