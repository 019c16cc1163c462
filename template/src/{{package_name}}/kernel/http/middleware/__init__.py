# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The middleware stack: the kernel's layers in a fixed order, yours placed among them.

A middleware is a factory called once at startup with the next handler and the app; it
returns the handler for its layer (an onion, like Django's)::

    @place(after="authorization")               # the default: right around the view
    def timing(handler: Handler, app: Flask) -> Handler:
        def layer(request: Request) -> Response:
            started = time.perf_counter()      # before the rest of the stack
            try:
                return handler(request)        # the rest of the stack and the view
            finally:
                record(time.perf_counter() - started)   # after, whatever happened
        return layer

List it in `settings.MIDDLEWARE`. Exceptions travel through the stack as exceptions,
so every layer sees both outcomes (`try`/`except`/`finally` work); they become
problem+json responses once, at the edge, where headers the layers queued on
`request.response_headers` are added to whatever response leaves. A layer may answer
without calling `handler` (short-circuit).

Run `flask middleware` to print the resolved chain with Flask's own stages.
"""

from .chain import KERNEL_LAYERS, Layer, MiddlewareChain, place, resolve_chain
from .stack import Handler, MiddlewareFactory, build_stack

__all__ = [
    "KERNEL_LAYERS",
    "Handler",
    "Layer",
    "MiddlewareChain",
    "MiddlewareFactory",
    "build_stack",
    "place",
    "resolve_chain",
]
