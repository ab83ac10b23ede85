"""Every route names the action it performs; `secure` refuses to serve a route that does not.

`allow(Action.X)` is the route's dependency: it proves who the caller is (the bearer token)
when the action needs it, and asks the core whether that caller may take the action at
all. Routes that concern a learner ask again, with the learner, once the service has read
them (`access.check`). A refusal is the usual JSON error: 401 (with `WWW-Authenticate`) when the
caller is not proven, 403 when they are but may not.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hocvuso.adapters.auth import TokenVerifier, Unauthenticated
from hocvuso.adapters.problems import problem
from hocvuso.domain.access import Action, Denied, Principal, may, needs_token

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="portal",
    description="A JWT from the portal's identity provider (`hocvuso token` for local runs)",
)
_TOKEN = Security(_bearer)
_ACTION = "__hocvuso_action__"
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token, or one that is not valid"},
    403: {"description": "The token's role or scope does not allow this"},
}


def allow(action: Action) -> Any:
    """The dependency a route declares: `caller: Principal = allow(Action.STUDY)`."""
    if not needs_token(action):

        async def anyone() -> None:
            return None

        setattr(anyone, _ACTION, action)
        return Depends(anyone)

    async def caller(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, _TOKEN]
    ) -> Principal:
        if credentials is None:
            raise Unauthenticated("this needs an Authorization: Bearer token")
        verifier: TokenVerifier | None = request.app.state.verifier
        if verifier is None:
            raise Unauthenticated("no identity provider is configured (HOCVUSO_AUTH__JWKS)")
        principal = await verifier.principal(credentials.credentials)
        if not may(principal, action):
            raise Denied(f"a {principal.role} may not do this ({action})")
        return principal

    setattr(caller, _ACTION, action)
    return Depends(caller)


PUBLIC = allow(Action.PUBLIC)  # for `dependencies=[PUBLIC]`


def _action_of(route: APIRoute) -> Action | None:
    for dependency in route.dependant.dependencies:
        action = getattr(dependency.call, _ACTION, None)
        if action is not None:
            return action  # type: ignore[no-any-return]
    return None


def document_refusals(router: APIRouter) -> None:
    """Add 401 and 403 to the documented answers of the router's routes that need a token
    (before it is included: an included router's routes are copied with their answers)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        action = _action_of(route)
        if action is not None and needs_token(action):
            route.responses = {**REFUSALS, **route.responses}


def secure(app: FastAPI, verifier: TokenVerifier | None) -> None:
    """Check that every route names its action (default deny: a service with a route that
    does not will not start), and answer refusals as JSON."""
    app.state.verifier = verifier
    # Included routers' routes too (FastAPI keeps an included router as one entry).
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and _action_of(route) is None:
            where = f"{sorted(route.methods or ())} {context.path}"
            raise RuntimeError(f"{where} names no access Action: default deny")

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        answer = problem(401, "unauthenticated", str(exc))
        answer.headers["WWW-Authenticate"] = 'Bearer realm="hocvuso"'
        return answer

    @app.exception_handler(Denied)
    async def forbidden(_: Request, exc: Denied) -> JSONResponse:
        return problem(403, "forbidden", str(exc))
