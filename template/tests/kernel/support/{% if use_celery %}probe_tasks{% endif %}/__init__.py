# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A module with tasks that report the context they ran in (Celery tests only)."""
