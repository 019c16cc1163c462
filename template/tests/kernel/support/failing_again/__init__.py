# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Declares a blueprint whose name clashes with tests.kernel.support.failing."""
