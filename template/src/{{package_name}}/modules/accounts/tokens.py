"""Deprecated since Keel 0.2.0, removed in 0.3.0: the token backend moved to the kernel.

Import from `<package>.kernel.auth` instead (`issue_tokens`, `rotate_tokens`,
`revoke_family`, `revoke_user_tokens`, `actor_for_claims`, `TokenPair`). Reading a name
here still works and warns.
"""

from ...kernel.core.deprecation import moved

_AUTH = f"{__name__.split('.')[0]}.kernel.auth"

__getattr__ = moved(
    __name__,
    dict.fromkeys(
        (
            "RevocationUnavailable",
            "TokenPair",
            "actor_for_claims",
            "issue_tokens",
            "revoke_family",
            "revoke_user_tokens",
            "rotate_tokens",
        ),
        _AUTH,
    ),
)
