"""A module whose view raises: the error path must not leak it."""
