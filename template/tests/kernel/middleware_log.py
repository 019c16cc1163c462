# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""What the recording middleware saw, in order (cleared by the tests)."""

EVENTS: list[str] = []
