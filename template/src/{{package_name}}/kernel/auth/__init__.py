# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
"""Bearer-token authentication: the token rules, the families table and the backend.

Issue, rotate and revoke tokens, and the per-request revocation check and actor load.
The accounts module supplies the users (its `users` table) and the login views; this
package never imports it. May import the data and core layers.
"""

from ..core.deprecation import moved
from .backend import (
    RevocationUnavailable,
    TokenPair,
    TokenSubject,
    actor_for_claims,
    current_actor,
    issue_tokens,
    revoke_family,
    revoke_user_tokens,
    rotate_tokens,
    verify_token,
)
from .models import USERS, TokenFamily
from .tokens import (
    ACCESS,
    ALGORITHM,
    MAX_TOKEN_LENGTH,
    REFRESH,
    REQUIRED_CLAIMS,
    AuthenticationRequired,
    AuthState,
    InvalidToken,
    TokenVerifier,
    jwt_config,
)

__all__ = [
    "ACCESS",
    "ALGORITHM",
    "MAX_TOKEN_LENGTH",
    "REFRESH",
    "REQUIRED_CLAIMS",
    "USERS",
    "AuthState",
    "AuthenticationRequired",
    "InvalidToken",
    "RevocationUnavailable",
    "TokenFamily",
    "TokenPair",
    "TokenSubject",
    "TokenVerifier",
    "actor_for_claims",
    "current_actor",
    "issue_tokens",
    "jwt_config",
    "revoke_family",
    "revoke_user_tokens",
    "rotate_tokens",
    "verify_token",
]

_KERNEL = __name__.rpartition(".")[0]

#: Names this module had in 0.1.0 that live in the HTTP layer now.
__getattr__ = moved(
    __name__,
    {
        "current_request": _KERNEL,
        "require_actor": f"{_KERNEL}.http.request",
        "authenticated": f"{_KERNEL}.http.request",
    },
)
