"""Errors an operation raises; each maps to one HTTP status and a Chinese message."""
from __future__ import annotations


class WorkflowError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def to_dict(self) -> dict:
        body: dict = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class NotFound(WorkflowError):
    status = 404


class Forbidden(WorkflowError):
    status = 403


class Conflict(WorkflowError):
    """A stale version, or an action that is not open in the case's state."""

    status = 409


class Invalid(WorkflowError):
    """Form errors ``{field: [msg]}`` or guard reasons ``{"_guards": [reason]}``."""

    status = 422


class DefinitionError(Exception):
    """A procedure or form file that must not run; ``problems`` are "file: reason" lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems
