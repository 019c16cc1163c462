# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's own tests, template-owned: `copier update` refreshes them; yours go in tests/."""
