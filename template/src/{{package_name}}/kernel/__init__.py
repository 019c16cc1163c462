"""Keel's kernel: the framework code this service runs on.

Template-owned: `copier update` refreshes every file in this package, so edit your
modules and `settings.py` instead. Its rule: the kernel never imports a domain module
by name; it loads what `settings.INSTALLED_MODULES` lists, in that order.

Lifecycle:
- import time: nothing happens (no settings read, no app, no database connection);
- startup: `create_app()` reads settings once, loads modules in phases, wires extensions
  and runs the checks;
- per unit of work (request, task, command, test): one execution context, one
  transaction.
"""

from .bootstrap import create_app
from .settings import ConfigurationError, KernelSettings

__all__ = ["ConfigurationError", "KernelSettings", "create_app"]
