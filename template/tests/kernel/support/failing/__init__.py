# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A module whose view raises: the error path must not leak it."""
