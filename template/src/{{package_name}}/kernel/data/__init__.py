# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The data layer: engines, sessions and the unit of work around every entry point.

Holds Flask-SQLAlchemy's `db`, the `Model` base, `open_context()` (one session and one
transaction per request, task, command or test) and the permission-aware queries. May
import the core layer only.
"""
