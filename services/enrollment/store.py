"""Enrollment's own collections: learners (with their progress) and attempts."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hocvuso.adapters.mappers import progress_from_dict, progress_to_dict
from hocvuso.adapters.mongo import update_versioned
from hocvuso.domain.course import Catalog
from hocvuso.domain.progress import Fact, Progress, apply


class LearnerNotFound(LookupError):
    pass


class EnrollmentStore:
    def __init__(self, db: AsyncDatabase, catalog: Catalog) -> None:
        self.learners = db["learners"]
        self.attempts = db["attempts"]
        self._catalog = catalog

    async def create_indexes(self) -> None:
        await self.attempts.create_index("learner_id")

    async def add_learner(
        self, learner_id: str, profile: dict[str, Any], course_version: str
    ) -> None:
        progress = progress_to_dict(Progress(course_version=course_version))
        await self.learners.update_one(
            {"_id": learner_id},
            {"$setOnInsert": {**profile, "progress": progress, "_v": 1}},
            upsert=True,
        )

    async def learner(self, learner_id: str) -> dict:
        doc = await self.learners.find_one({"_id": learner_id})
        if doc is None:
            raise LearnerNotFound(learner_id)
        return doc

    async def progress(self, learner_id: str) -> Progress:
        return progress_from_dict((await self.learner(learner_id))["progress"])

    async def apply_fact(self, learner_id: str, fact: Fact) -> Progress:
        """Fold one fact into the stored progress; RuleViolation leaves it untouched."""

        def change(doc: dict | None) -> dict:
            if doc is None:
                raise LearnerNotFound(learner_id)
            progress = progress_from_dict(doc["progress"])
            course = self._catalog[progress.course_version]
            updated = apply(progress, fact, course)
            return {**doc, "progress": progress_to_dict(updated)}

        doc = await update_versioned(self.learners, learner_id, change)
        return progress_from_dict(doc["progress"])

    async def attach_certificate(self, learner_id: str, certificate_id: str) -> None:
        """Show an issued certificate, whether or not the exam result has arrived yet.

        Certificates and grades come on different topics, so their order is not fixed;
        certs is the authority on issuing, and the fold's check belongs to the audit.
        """

        def change(doc: dict | None) -> dict:
            if doc is None:
                raise LearnerNotFound(learner_id)
            return {**doc, "progress": {**doc["progress"], "certificate_id": certificate_id}}

        await update_versioned(self.learners, learner_id, change)

    async def add_attempt(self, attempt: dict) -> None:
        # An upsert, so two racing retries of one idempotent request store one attempt.
        fields = {k: v for k, v in attempt.items() if k != "_id"}
        await self.attempts.update_one(
            {"_id": attempt["_id"]}, {"$setOnInsert": fields}, upsert=True
        )

    async def attempt(self, attempt_id: str) -> dict | None:
        return await self.attempts.find_one({"_id": attempt_id})

    async def mark_submitted(self, attempt_id: str, answers: dict[str, int]) -> None:
        await self.attempts.update_one(
            {"_id": attempt_id, "status": "open"},
            {"$set": {"status": "submitted", "answers": answers}},
        )

    async def record_result(self, attempt_id: str, fields: dict) -> None:
        await self.attempts.update_one({"_id": attempt_id}, {"$set": fields})
