"""Accounts: the users who log in, and the actor each becomes."""
