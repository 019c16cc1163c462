# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The module registry: `INSTALLED_MODULES` decides what loads, and in which order.

Holds `Module` (what a domain module declares in its `module.py`) and the loader that
imports the declared objects in phases. May import the core layer only.
"""
