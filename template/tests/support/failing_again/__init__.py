"""Declares a blueprint whose name clashes with tests.support.failing."""
