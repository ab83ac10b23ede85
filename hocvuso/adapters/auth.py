"""Bearer tokens: a JWT from the portal's identity provider, checked against its JWKS.

The keys come from a file or a URL and are kept `cache_seconds`; a token naming a key not
seen yet (the provider rotated) reads them again, at most once every `min_refresh_seconds`
so that made-up key ids cannot make us hammer the provider. A verified token is kept until
it expires: a learner's next request costs a dictionary lookup, not a signature check.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt

from hocvuso.adapters.recent import Recent
from hocvuso.domain.access import ROLES, Principal, Role
from hocvuso.settings import AuthSettings

ROLE_CLAIM = "hocvuso_role"
SCOPE_CLAIM = "hocvuso_scope"
# Asymmetric only: a shared-secret algorithm would let anyone holding the JWKS sign.
ALGORITHMS = ("EdDSA", "RS256", "ES256")
_VERIFIED = 50_000  # tokens kept verified


class Unauthenticated(Exception):
    """No token, or one that does not prove who the caller is (401)."""


def _read_source(source: str) -> Callable[[], Awaitable[dict[str, Any]]]:
    if source.startswith(("http://", "https://")):

        def fetch() -> dict[str, Any]:
            with urllib.request.urlopen(source, timeout=5) as answer:
                data: dict[str, Any] = json.load(answer)
                return data

        return lambda: asyncio.to_thread(fetch)

    path = Path(source)

    async def read_file() -> dict[str, Any]:
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    return read_file


class Jwks:
    def __init__(
        self,
        source: str,
        cache_seconds: float = 300,
        min_refresh_seconds: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = _read_source(source)
        self._source = source
        self._cache_seconds = cache_seconds
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK:
        now = self._clock()
        stale = self._read_at is None or now - self._read_at > self._cache_seconds
        unknown = kid not in self._keys and (
            self._read_at is None or now - self._read_at > self._min_refresh
        )
        if stale or unknown:
            await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        found = self._keys.get(kid or "")
        if found is None:
            raise Unauthenticated(f"the token's key {kid!r} is not one of the identity provider's")
        return found

    async def _refresh(self) -> None:
        async with self._lock:
            try:
                data = await self._read()
                keys = jwt.PyJWKSet.from_dict(data).keys
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                if not self._keys:  # nothing to go on: no token can be checked
                    raise Unauthenticated(
                        f"the identity provider's keys are unavailable: {exc}"
                    ) from None
                return  # keep the keys we have; try again after `min_refresh_seconds`
            finally:
                self._read_at = self._clock()
            self._keys = {str(k.key_id or ""): k for k in keys}


class TokenVerifier:
    def __init__(
        self,
        jwks: Jwks,
        issuer: str,
        audience: str,
        leeway_seconds: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._clock = clock
        self._verified: Recent[str, tuple[Principal, float]] = Recent(_VERIFIED)

    async def principal(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and self._clock() < known[1] + self._leeway:
            return known[0]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"not a JWT: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Unauthenticated(f"tokens signed with {algorithm!r} are not accepted")
        key = await self._jwks.key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}") from None
        principal = principal_of(claims)
        self._verified.put(token, (principal, float(claims["exp"])))
        return principal


def principal_of(claims: dict[str, Any]) -> Principal:
    role, scope, sub = claims.get(ROLE_CLAIM), claims.get(SCOPE_CLAIM), claims.get("sub")
    if role not in ROLES:
        raise Unauthenticated(f"the token's {ROLE_CLAIM} must be one of {', '.join(ROLES)}")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthenticated("the token names no account (sub)")
    if scope is not None and not isinstance(scope, str):
        raise Unauthenticated(f"the token's {SCOPE_CLAIM} must be a code")
    checked: Role = role
    return Principal(account=sub, role=checked, scope=scope)


def verifier_from(settings: AuthSettings) -> TokenVerifier | None:
    """The verifier the settings describe, or None when no identity provider is set."""
    if settings.jwks is None:
        return None
    if not settings.issuer:
        raise ValueError("HOCVUSO_AUTH__ISSUER must name the identity provider with the JWKS")
    jwks = Jwks(settings.jwks, cache_seconds=settings.jwks_cache_seconds)
    return TokenVerifier(jwks, settings.issuer, settings.audience, settings.leeway_seconds)
