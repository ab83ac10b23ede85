"""Bearer tokens checked as an identity provider's would be: signature, issuer, audience,
expiry, role; the JWKS from a file or a URL, cached, re-read when the provider rotates."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest

from hocvuso.adapters.auth import ROLE_CLAIM, SCOPE_CLAIM, Jwks, TokenVerifier, Unauthenticated
from hocvuso.domain.access import Principal
from hocvuso.signing import Signer, new_key

ISSUER, AUDIENCE = "https://id.example", "hocvuso"
KEY, OTHER_KEY = Signer(new_key()), Signer(new_key())


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "acct-1",
        "iat": now,
        "exp": now + 600,
        ROLE_CLAIM: "commune_manager",
        SCOPE_CLAIM: "21025",
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def write_jwks(path: Path, *signers: Signer) -> None:
    path.write_text(json.dumps({"keys": [s.public_jwk for s in signers]}))


def verifier(source: str, **jwks: Any) -> TokenVerifier:
    return TokenVerifier(Jwks(source, **jwks), ISSUER, AUDIENCE, leeway_seconds=0)


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, KEY)
    return path


def principal(check: TokenVerifier, token: str) -> Principal:
    return asyncio.run(check.principal(token))


def test_a_valid_token_is_its_account_role_and_scope(jwks_file: Path) -> None:
    found = principal(verifier(str(jwks_file)), KEY.sign(claims()))
    assert found == Principal("acct-1", "commune_manager", "21025")


@pytest.mark.parametrize(
    "bad",
    [
        {"exp": int(time.time()) - 5},
        {"iss": "https://evil.example"},
        {"aud": "another-app"},
        {"aud": None},
        {"sub": None},
        {"sub": "  "},
        {ROLE_CLAIM: "superuser"},
        {ROLE_CLAIM: None},
        {SCOPE_CLAIM: 21025},
    ],
)
def test_a_token_with_a_wrong_claim_is_refused(jwks_file: Path, bad: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        principal(verifier(str(jwks_file)), KEY.sign(claims(**bad)))


def test_a_forged_or_downgraded_token_is_refused(jwks_file: Path) -> None:
    check = verifier(str(jwks_file))
    # Signed by another key under our key's id.
    forged = jwt.encode(claims(), OTHER_KEY._key, algorithm="EdDSA", headers={"kid": KEY.key_id})
    # The public key used as an HMAC secret (the classic algorithm confusion), and no signature.
    hmac = jwt.encode(claims(), KEY.public_jwk["x"], algorithm="HS256", headers={"kid": KEY.key_id})
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": KEY.key_id})
    for token in (forged, hmac, unsigned, "not.a.jwt", ""):
        with pytest.raises(Unauthenticated):
            principal(check, token)


def test_a_rotated_key_is_picked_up_and_made_up_key_ids_do_not_hammer_the_provider(
    jwks_file: Path,
) -> None:
    check = verifier(str(jwks_file), min_refresh_seconds=0)
    assert principal(check, KEY.sign(claims())).account == "acct-1"
    write_jwks(jwks_file, KEY, OTHER_KEY)  # the provider adds its next key
    assert principal(check, OTHER_KEY.sign(claims(sub="acct-2"))).account == "acct-2"

    slow = verifier(str(jwks_file), min_refresh_seconds=3600)
    assert principal(slow, KEY.sign(claims())).account == "acct-1"
    jwks_file.write_text("{broken")  # any further read would fail
    with pytest.raises(Unauthenticated, match="not one of"):
        principal(slow, jwt.encode(claims(), OTHER_KEY._key, "EdDSA", headers={"kid": "made-up"}))


class _Provider(BaseHTTPRequestHandler):
    body = b""
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def provider_url() -> Iterator[str]:
    _Provider.body = json.dumps({"keys": [KEY.public_jwk]}).encode()
    _Provider.served = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def test_the_jwks_from_a_url_is_read_once_for_many_tokens(provider_url: str) -> None:
    check = verifier(provider_url)

    async def many() -> list[Principal]:
        return [await check.principal(KEY.sign(claims(sub=f"acct-{i}"))) for i in range(20)]

    assert len({p.account for p in asyncio.run(many())}) == 20
    assert _Provider.served == 1


def test_without_the_providers_keys_no_token_passes(tmp_path: Path) -> None:
    with pytest.raises(Unauthenticated, match="unavailable"):
        principal(verifier(str(tmp_path / "missing.json")), KEY.sign(claims()))


def test_a_service_with_a_route_that_names_no_action_does_not_start() -> None:
    from contextlib import asynccontextmanager

    from fastapi import APIRouter

    from hocvuso.adapters.http import service_app

    @asynccontextmanager
    async def nothing(_: object) -> Iterator[None]:
        yield

    forgotten = APIRouter()

    @forgotten.get("/v1/secret")
    async def secret() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="default deny"):
        service_app("t", nothing, routers=[forgotten])  # type: ignore[arg-type]
