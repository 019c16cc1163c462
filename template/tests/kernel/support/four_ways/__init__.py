# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""One service function, reached from HTTP, a task, a command and a test."""
