"""Request ids and the reverse-proxy fix, as WSGI middleware around the Flask app.

Every request gets an id: the incoming ``X-Request-ID`` when it is well formed (nginx's
``$request_id``, a UUID, a load balancer's trace id: 8-128 characters of letters, digits,
``.``, ``_``, ``-``, ``:``), otherwise 32 fresh hex digits. It is kept in the WSGI environ
(so it exists before any Flask hook runs, even for a request refused by the first one),
readable as :func:`current_request_id` and ``g.request_id``, written into every log line
(workflow/ops/logs.py), and echoed as the ``X-Request-ID`` response header, which
gunicorn's access log prints (deploy/gunicorn.conf.py).

Werkzeug's ProxyFix is applied only when ``PROXY_FIX`` (WORKFLOW_PROXY_FIX) names how
many proxies are in front: trusting X-Forwarded-For without a proxy that overwrites it
would let any client choose the address that login throttling and rate limits count.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

from flask import Flask, g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

HEADER = "X-Request-ID"
ENVIRON_KEY = "workflow.request_id"
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def new_id() -> str:
    """A fresh request id (the same shape as nginx's ``$request_id``)."""
    return secrets.token_hex(16)


def accept_or_new(incoming: str | None) -> str:
    """The incoming id if well formed (nothing that could break a log line), else a new one."""
    if incoming and WELL_FORMED.fullmatch(incoming):
        return incoming
    return new_id()


class RequestIdMiddleware:
    """Give each request its id in the environ and answer it as ``X-Request-ID``."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = accept_or_new(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = request_id

        def start(status: str, headers: list, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def current_request_id() -> str | None:
    """This request's id, or None outside a request (CLI, jobs, start-up)."""
    if not has_request_context():
        return None
    return request.environ.get(ENVIRON_KEY)


def proxy_count(value: object) -> int:
    """PROXY_FIX as a number of proxies; a clear start-up error for anything else."""
    text = str(value if value is not None else "0").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return 0
    if text in ("true", "yes", "on"):
        return 1
    if text.isdigit() and int(text) <= 5:
        return int(text)
    raise ValueError(f"WORKFLOW_PROXY_FIX 应为前置代理的层数（0–5），而不是 {value!r}")


def init_app(app: Flask) -> None:
    """Wrap the WSGI app (ProxyFix inside, so the id middleware sees the final environ)
    and put the id in ``g`` for views and templates."""
    proxies = proxy_count(app.config.get("PROXY_FIX"))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=0, x_prefix=0)
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)
    app.extensions["workflow.proxy_fix"] = proxies

    @app.before_request
    def _request_id_in_g() -> None:
        g.request_id = request.environ.get(ENVIRON_KEY) or new_id()
