"""Every failure as a JSON body `{"error": code, "message": text}`, never a traceback.

404 unknown or foreign ids, 409 state conflicts, 413 oversized, 422 bad input (`fails_gate` with the
findings for an edited creative that a gate blocks), 429 rate limited,
503 database unavailable, 500 only for bugs (logged server-side, body without internals).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from adcraft.api.review import GateFailed
from adcraft.api.services import Conflict, NotFound
from adcraft.cli.errors import validation_message
from adcraft.core import InputError
from adcraft.store.ingest import UnknownDecisions

log = logging.getLogger("adcraft.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers, extra


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        where = detail.get("ctx", {}).get("error", "")
        return error_response(400, "malformed_json", f"the request body is not valid JSON ({where}); "
                              "send a JSON object with Content-Type: application/json")
    problems = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        problems.append({"field": loc, "problem": str(e.get("msg", "invalid")).removeprefix("Value error, ")})
    message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return error_response(422, "invalid_request", message, problems=problems)


def _database_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return error_response(503, "database_unavailable",
                          "the database is unavailable; the request was not stored, retry later",
                          headers={"Retry-After": "1"})


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(NotFound)
    def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(Conflict)
    def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error_response(409, "conflict", str(exc))

    @app.exception_handler(GateFailed)
    def _gate_failed(request: Request, exc: GateFailed) -> JSONResponse:
        return error_response(422, "fails_gate", str(exc), findings=exc.findings)

    @app.exception_handler(InputError)
    def _input(request: Request, exc: InputError) -> JSONResponse:
        return error_response(422, "invalid_request", str(exc))

    @app.exception_handler(ValidationError)
    def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", validation_message(exc, "brief"))

    @app.exception_handler(UnknownDecisions)
    def _unknown_decisions(request: Request, exc: UnknownDecisions) -> JSONResponse:
        return error_response(404, "unknown_decision",
                              "these decision ids do not exist for this API key; nothing from the batch "
                              "was stored", decision_ids=exc.decision_ids)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                              headers=getattr(exc, "headers", None))

    app.add_exception_handler(RequestValidationError, _validation)
    for db_error in (OperationalError, DBAPIError, PoolTimeout, ConnectionError):
        app.add_exception_handler(db_error, _database_down)

    @app.exception_handler(Exception)
    def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", "an internal error occurred; it has been logged")
