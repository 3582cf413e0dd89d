"""Log lines that carry the request id; one JSON object per line in production.

A forty-line ``logging.Formatter`` rather than python-json-logger: the fields are few and
fixed (time, level, logger, message, request id, exception; gunicorn's access fields), it
needs nothing to keep current, and it is the same class gunicorn's own loggers use through
``logconfig_dict`` (deploy/gunicorn.conf.py), so every line on stdout/stderr has one shape.

The app's security log (failed logins, refused requests: ``app.logger`` warnings, see
workflow/web.py and workflow/auth/operations.py) goes through these handlers unchanged:
its messages still quote user input with %r, and JSON escaping keeps a forged newline
inside one line.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from flask import Flask
from flask.logging import default_handler

from workflow.ops.requests import current_request_id

TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(request_id)s %(name)s: %(message)s"
_MARK = "_workflow_ops_handler"
# gunicorn's access-log atoms kept as fields of an access line (see gunicorn.glogging).
ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "s": "status", "B": "bytes",
                 "M": "duration_ms", "a": "user_agent"}


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request) for text formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, request_id, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            request_id = atoms.get("{x-request-id}o")
            for atom, field in ACCESS_FIELDS.items():
                if atoms.get(atom) not in (None, "-"):
                    entry[field] = atoms[atom]
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def handler(log_format: str) -> logging.Handler:
    """A stderr handler in the given format ("json" or "text"), with the request id."""
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(JsonFormatter() if log_format == "json"
                        else logging.Formatter(TEXT_FORMAT))
    stream.addFilter(RequestIdFilter())
    setattr(stream, _MARK, True)
    return stream


def init_app(app: Flask) -> None:
    """Outside tests, one handler on the root logger (app and security log at LOG_LEVEL,
    libraries' warnings) in LOG_FORMAT; Flask's own handler steps aside. Tests keep
    pytest's capture; their records still get a request id through the filter."""
    log_format = (app.config.get("LOG_FORMAT") or "text").lower()
    if log_format not in ("json", "text"):
        raise ValueError(f"WORKFLOW_LOG_FORMAT 应为 json 或 text，而不是 {log_format!r}")
    app.logger.removeHandler(default_handler)
    if app.config.get("TESTING") and not app.config.get("LOG_TO_STDERR"):
        return
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(existing)
    root.addHandler(handler(log_format))
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    app.logger.setLevel(level if isinstance(level, int) else logging.INFO)  # libraries: WARNING
