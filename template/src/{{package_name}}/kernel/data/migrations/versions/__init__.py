# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The kernel's revisions (see kernel/data/migrations/__init__.py)."""
