"""Ed25519 signing of certificates as compact JWS (alg EdDSA), verifiable by anyone."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def write_new_key(path: Path) -> Ed25519PrivateKey:
    key = new_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64(raw),
            "use": "sig",
            "alg": "EdDSA",
        }
        self.key_id = _b64(hashlib.sha256(raw).digest()[:12])
        self.public_jwk["kid"] = self.key_id

    @property
    def id_secret(self) -> bytes:
        """A secret derived from the private key, for ids nobody else can compute."""
        raw = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return HKDF(hashes.SHA256(), 32, salt=None, info=b"hocvuso certificate ids").derive(raw)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        return verify_with(self._key.public_key(), token)


def verify_with(public_key: Ed25519PublicKey, token: str) -> dict[str, Any]:
    """Raises jwt.InvalidTokenError when the token was not signed by this key or was altered."""
    return jwt.decode(token, public_key, algorithms=["EdDSA"], options={"verify_aud": False})
