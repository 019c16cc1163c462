# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The CLI adapter: commands that run in an execution context, and the introspection ones.

Holds `@in_context` (a command says who it runs as), the `flask shell` context and the
`flask middleware`, `permissions` and `openapi` commands. May import the HTTP and task
adapters and every layer below them.
"""
