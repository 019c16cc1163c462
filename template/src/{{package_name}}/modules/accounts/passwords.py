"""Password hashing: argon2id with at least OWASP's parameters, rehashed when they change.

OWASP's Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 degree
of parallelism as a minimum. Werkzeug's default (scrypt) is below it. A stored hash made
with other parameters still verifies and is replaced at the next successful login.

A login for an email that has no account verifies the password against a dummy hash
made with the same parameters, so it costs the same time as a wrong password and the
response time does not tell an attacker which emails are registered.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: OWASP's minimum for argon2id: m=19456 KiB (19 MiB), t=2, p=1.
MEMORY_COST_KIB = 19456
TIME_COST = 2
PARALLELISM = 1

HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

#: Shortest and longest passwords accepted (ASVS: at least 8, allow 64 or more).
MIN_LENGTH = 12
MAX_LENGTH = 1024


class PasswordPolicyError(ValueError):
    """The password cannot be used; the message says why."""


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"a password has at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches; a malformed stored hash is a mismatch, not a crash."""
    try:
        return HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@functools.cache
def _dummy_hash() -> str:
    # Made once per process, with the current parameters, from a random password.
    return HASHER.hash(secrets.token_urlsafe(32))


def spend_verification_time(password: str) -> None:
    """Verify against the dummy hash: what a wrong password costs, for unknown emails."""
    verify_password(_dummy_hash(), password)
