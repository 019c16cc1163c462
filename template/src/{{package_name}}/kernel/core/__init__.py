# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""The bottom layer: plain values and rules every other layer builds on.

Holds the actor, the clock, the execution context (without its transaction), the
permission rules, the settings model, the check vocabulary (ids, messages,
`ConfigurationError`) and the one `KernelState` with its accessor. Imports no Flask and
nothing else of the kernel: everything above may import it.
"""
