# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The HTTP adapter: the Flask app class, the middleware stack, errors and OpenAPI.

Holds everything a request meets between the WSGI server and a module's view: the
request class, the kernel's middleware layers and how users place theirs, problem+json
errors, the permission declarations and route table, the OpenAPI document and its
docs page, health probes, rate limits. May import the auth, data, registry and core
layers; never the task or CLI adapters.
"""
