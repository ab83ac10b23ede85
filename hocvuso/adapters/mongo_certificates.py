"""Certs' certificates in MongoDB, one document per certificate id."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class MongoCertificates:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.certificates: AsyncCollection[Document] = db["certificates"]

    async def issue_once(self, certificate: Document) -> Document:
        existing = await self.get(certificate["_id"])
        if existing is not None:
            return existing
        try:
            await self.certificates.insert_one(certificate)
        except DuplicateKeyError:  # another worker stored it first: theirs stands
            stored = await self.get(certificate["_id"])
            if stored is None:  # certificates are never deleted
                raise LookupError(f"certificate {certificate['_id']} vanished") from None
            return stored
        return certificate

    async def get(self, certificate_id: str) -> Document | None:
        return await self.certificates.find_one({"_id": certificate_id})
