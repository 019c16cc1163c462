"""Modules installed only by tests, to exercise the kernel."""
