# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Routes guarded by permissions, and one route that declares none."""
