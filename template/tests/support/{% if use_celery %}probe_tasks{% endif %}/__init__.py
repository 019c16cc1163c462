"""A module with tasks that report the context they ran in (Celery tests only)."""
