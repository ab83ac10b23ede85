"""The one shape of every refusal and failure: a JSON body with `error` and `detail`."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def problem(status: int, title: str, detail: object, **extra: object) -> JSONResponse:
    return JSONResponse({"error": title, "detail": detail, **extra}, status_code=status)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request body or parameters are malformed"},
    404: {"description": "No such resource"},
}
