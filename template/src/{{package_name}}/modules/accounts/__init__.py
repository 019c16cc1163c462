"""Accounts: the users who log in, their tokens, and the actor each becomes.

See docs/auth.md: `flask users create`, the `/api/v1/auth` endpoints, token rules.
"""
