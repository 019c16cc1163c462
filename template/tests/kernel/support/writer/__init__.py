# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""A module whose view writes a user and answers the status it is asked for."""
