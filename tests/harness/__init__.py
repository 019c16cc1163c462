"""Helpers for testing the Keel template: snapshot, render, run tools, find services.

Kept out of the test modules so each test reads as a statement about the generated
project, not as plumbing. Imported as ``harness`` (``pythonpath = ["tests"]`` in the
top-level pyproject.toml).
"""
