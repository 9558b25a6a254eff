"""One rooted error hierarchy; the web layer turns every ``AppError`` into ``{"error", "detail"}``.

Subclasses are named as sentences (``WaybillNotFound``) and carry a stable machine code in
``error`` plus a human message in ``detail`` that names the field and the rule where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule on one field (``line`` is set for bulk imports)."""

    field: str
    rule: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "rule": self.rule, "message": self.message}
        if self.line is not None:
            data["line"] = self.line
        return data


class AppError(Exception):
    """Root of every error ExpressDesk reports to a user."""

    status_code = 400
    code = "bad_request"
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str,
        *,
        problems: list[FieldProblem] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.message}
        if self.problems:
            body["problems"] = [p.as_dict() for p in self.problems]
        return body


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"

    @classmethod
    def on(cls, field: str, rule: str, message: str) -> ValidationFailed:
        """A validation error about a single field."""
        return cls(f"{field}: {message}", problems=[FieldProblem(field, rule, message)])


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(AppError):
    status_code = 403
    code = "permission_denied"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


def first_problem(exc: Any) -> str:
    """A pydantic ValidationError's first problem as one line naming the field: 'weight_kg: …'."""
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'input'}: {first['msg']}"
