# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Modules installed only by tests, to exercise the kernel."""
