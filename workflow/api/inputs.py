"""Request input every route can trust: bounded ids in paths, no NUL anywhere, JSON parsed
once with a size and nesting limit.

Installed app-wide by ``init_app`` (before any route is registered, so every ``<int:...>``
uses the bounded converter): one place instead of a check per view. Why each limit:
PostgreSQL's integer overflows at 2**31 and its text refuses NUL (both were 500s), and a
deeply nested document exhausts the recursion of every walker after the parser.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter

from workflow.engine.errors import Invalid, NotFound, WorkflowError
from workflow.engine.fields import MAX_ID

MAX_JSON_DEPTH = 32
_UNSET = object()


class BadRequest(WorkflowError):
    status = 400


class TooLarge(WorkflowError):
    status = 413


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches 0..MAX_ID only: a larger id is a 404 (no such row), not
    a database overflow."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _nul_refused(field: str) -> Invalid:
    message = f"「{field}」含有空字符（\\x00），请删除后重新提交"
    return Invalid(message, {field: [message]})


def json_problem(value: Any) -> tuple[str, str] | None:
    """("depth" | "nul", where) for the first nesting beyond MAX_JSON_DEPTH or string
    (key or value) with NUL; walked with an explicit stack, never recursion."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "nul", path or "body"
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                return "depth", path
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key:
                    return "nul", f"{path}.{key}".lstrip(".")
                stack.append((child, f"{path}.{key}".lstrip("."), depth + 1))
    return None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts, JSON not


def parse_json(raw: bytes) -> Any:
    """The JSON value of ``raw``: 413 beyond MAX_JSON_BYTES, 400 when malformed or nested
    deeper than MAX_JSON_DEPTH, 422 naming the field when a string holds NUL."""
    if len(raw) > current_app.config["MAX_JSON_BYTES"]:
        raise TooLarge("请求内容过大")
    try:
        value = json.loads(raw or b"{}", parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("请求体不是合法的 JSON") from None
    except RecursionError:
        raise BadRequest(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）") from None
    problem = json_problem(value)
    if problem and problem[0] == "depth":
        raise BadRequest(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）")
    if problem:
        raise _nul_refused(problem[1])
    return value


def request_json() -> Any:
    """The request's JSON value, parsed once per request (see ``check_request``).

    Cached in the request's WSGI environ, not in ``g``: ``g`` belongs to the app context,
    which outlives one request when a caller (a test, a CLI) keeps a context open."""
    cached = request.environ.get("workflow.json_body", _UNSET)
    if cached is _UNSET:
        if (request.content_length or 0) > current_app.config["MAX_JSON_BYTES"]:
            raise TooLarge("请求内容过大")
        cached = request.environ["workflow.json_body"] = parse_json(
            request.get_data(cache=True))
    return cached


def check_request() -> None:
    """before_request: refuse NUL in the path, query, form fields and uploaded file names
    (422 naming the field; 404 for a path), and parse a JSON body with its limits."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise NotFound(f"「{name}」不存在")
    for source in (request.args, request.form):  # form is empty unless the body is one
        for name, values in source.lists():
            name = name or ""  # a multipart part may come without a name (None)
            if "\x00" in name or any("\x00" in (v or "") for v in values):
                raise _nul_refused(name.replace("\x00", "\\x00"))
    for name, files in request.files.lists():
        if any("\x00" in (f.filename or "") for f in files):
            raise _nul_refused(name or "file")
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        request_json()


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter and the request check; call before routes."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)
