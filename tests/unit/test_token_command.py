"""`hocvuso token` prints tokens the local stack's services accept, found from its state
directory alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hocvuso import dev_identity
from hocvuso.adapters.auth import Jwks, TokenVerifier
from hocvuso.cli import main
from hocvuso.domain.access import Principal


def accepted(state: Path, token: str) -> Principal:
    jwks = Jwks(str(dev_identity.jwks_path(state)))
    verifier = TokenVerifier(jwks, dev_identity.ISSUER, dev_identity.AUDIENCE)
    return asyncio.run(verifier.principal(token))


def test_one_token_per_account_each_accepted_as_that_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev_identity.ensure(tmp_path)
    (tmp_path / "accounts.txt").write_text("c@x\n\nd@x\n")
    argv = ["token", "--role", "learner", "--state-dir", str(tmp_path), "--sub", "a@x"]
    assert main([*argv, "--sub", "b@x", "--subs-from", str(tmp_path / "accounts.txt")]) == 0
    tokens = capsys.readouterr().out.split()
    assert [accepted(tmp_path, t).account for t in tokens] == ["a@x", "b@x", "c@x", "d@x"]


def test_a_manager_token_carries_its_scope_and_needs_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev_identity.ensure(tmp_path)
    base = ["token", "--role", "commune_manager", "--state-dir", str(tmp_path)]
    assert main([*base, "--scope", "21025"]) == 0
    assert accepted(tmp_path, capsys.readouterr().out.strip()).scope == "21025"
    assert main(base) == 1
    assert "needs a scope" in capsys.readouterr().err


def test_without_a_local_stack_it_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "--role", "auditor", "--state-dir", str(tmp_path / "none")]) == 1
    assert "make run" in capsys.readouterr().err
