"""Deprecated since Keel 0.2.0, removed in 0.4.0: the token backend moved to the kernel.

Import from `<package>.kernel.auth` instead (`issue_tokens`, `rotate_tokens`,
`revoke_family`, `revoke_user_tokens`, `actor_for_claims`, `TokenPair`). Reading a name
here still works and warns.
"""

from typing import TYPE_CHECKING

from ...kernel.core.deprecation import moved

if TYPE_CHECKING:  # the real names, for type checkers; at run time they warn
    from ...kernel.auth import RevocationUnavailable as RevocationUnavailable
    from ...kernel.auth import TokenPair as TokenPair
    from ...kernel.auth import actor_for_claims as actor_for_claims
    from ...kernel.auth import issue_tokens as issue_tokens
    from ...kernel.auth import revoke_family as revoke_family
    from ...kernel.auth import revoke_user_tokens as revoke_user_tokens
    from ...kernel.auth import rotate_tokens as rotate_tokens

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
