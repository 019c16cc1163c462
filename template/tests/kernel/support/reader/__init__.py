# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A module whose views only read: one user, and a page of users with its total."""
