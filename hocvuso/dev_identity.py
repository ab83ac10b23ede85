"""The local stack's own identity provider: a key in the state directory, its JWKS beside
it, and bearer tokens for any role — what the portal's provider does in production.

The services read the JWKS file as they would a provider's (`HOCVUSO_AUTH__JWKS`);
`hocvuso token` and the tests mint tokens with the key. Never deploy this key: whoever
holds it can act as anyone on a stack that trusts it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

from hocvuso.adapters.auth import ROLE_CLAIM, SCOPE_CLAIM
from hocvuso.domain.access import SCOPED_ROLES, Role
from hocvuso.signing import Signer, read_key, write_new_key

ISSUER = "urn:hocvuso:dev-identity"
AUDIENCE = "hocvuso"
_KEY = "identity-key.pem"
_JWKS = "identity-jwks.json"
DAY = 24 * 3600


def jwks_path(state_dir: Path) -> Path:
    return state_dir / _JWKS


def ensure(state_dir: Path) -> Path:
    """Create the key and its JWKS once; returns the JWKS file the services are given."""
    key_file = state_dir / _KEY
    key = read_key(key_file) if key_file.exists() else write_new_key(key_file)
    jwks = jwks_path(state_dir)
    jwks.write_text(json.dumps({"keys": [Signer(key).public_jwk]}, indent=2))
    return jwks


def auth_env(state_dir: Path) -> dict[str, str]:
    """What a service of the local stack is told about its identity provider."""
    return {
        "HOCVUSO_AUTH__JWKS": str(jwks_path(state_dir)),
        "HOCVUSO_AUTH__ISSUER": ISSUER,
        "HOCVUSO_AUTH__AUDIENCE": AUDIENCE,
    }


class DevIdentity:
    def __init__(self, state_dir: Path) -> None:
        key_file = state_dir / _KEY
        if not key_file.exists():
            raise FileNotFoundError(
                f"no local identity provider in {state_dir}: start the stack with `make run`"
            )
        self._signer = Signer(read_key(key_file))

    def token(self, role: Role, sub: str, scope: str | None = None, seconds: int = DAY) -> str:
        if role in SCOPED_ROLES and not scope:
            raise ValueError(f"a {role} needs a scope (a unit or commune code)")
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + seconds,
            ROLE_CLAIM: role,
        }
        if scope:
            claims[SCOPE_CLAIM] = scope
        return self._signer.sign(claims)

    def tokens(
        self, role: Role, subs: Iterable[str], scope: str | None = None, seconds: int = DAY
    ) -> list[str]:
        return [self.token(role, sub, scope, seconds) for sub in subs]
